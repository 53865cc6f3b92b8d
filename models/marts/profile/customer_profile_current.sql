{#- One row per customer for the CRM sync: every segment family at the latest snapshot side by side, so a
    team can act on combinations such as "a high-value account that is now at risk". Customers without a
    completed order have no RFM segment or tier; without events (var `events_enabled: false`) the
    behavioural columns are null. -#}
{#- `updated_at` is the as-of date at which any synced column last changed, the cursor of a reverse-ETL
    sync: the latest change of a synced column in any family's history, RFM included (the same changes
    customer_segments_current's cursor counts, from int_customer_segment_runs). The tier columns come
    from customer_tiers, which has no history; they are scored at the as-of date and a change to them alone
    does not move updated_at (see the README's sync section). -#}
{%- set events_enabled = customer_segmentation.events_enabled() %}
{{ config(grants=customer_segmentation.sync_reader_grants()) }}

with

lifecycle_history as (

    select * from {{ ref('customer_lifecycle_history') }}

),

value_history as (

    select * from {{ ref('customer_value_history') }}

),

health_history as (

    select * from {{ ref('customer_health_history') }}

),
{% if events_enabled %}
behaviour_history as (

    select * from {{ ref('customer_behaviour_history') }}

),
{% endif %}
segment_runs as (

    select * from {{ ref('int_customer_segment_runs') }}

),

rfm_segments as (

    select * from {{ ref('customer_segments_current') }}

),

tiers as (

    select * from {{ ref('customer_tiers') }}

),

-- Predictions (issue 14): the BTYD summary's usual gap and the fitted model's predictions at the latest
-- snapshot, joined in one place so the rest of this model does not depend on them. Null before a fit.
btyd_history as (

    select * from {{ ref('customer_btyd_history') }}

),

clv_predictions as (

    select * from {{ ref('customer_clv_predictions') }}

),

current_snapshots as (

    -- The profile has a row for every customer with a lifecycle history, at its latest snapshot.
    select
        customer_id,
        snapshot_date
    from segment_runs
    where family = 'lifecycle'
        and is_latest_snapshot

),

last_changes as (

    -- The cursor: the latest as-of date at which a synced column of any family changed, RFM included
    -- (the synced columns are listed in int_customer_segment_runs).
    select
        customer_id,
        max(as_of_date) as updated_at
    from segment_runs
    where is_synced_change
    group by customer_id

),

current_lifecycle as (

    select lifecycle_history.*
    from lifecycle_history
    inner join current_snapshots
        on lifecycle_history.customer_id = current_snapshots.customer_id
        and lifecycle_history.snapshot_date = current_snapshots.snapshot_date

),

predictions as (

    select
        btyd_history.customer_id,
        btyd_history.snapshot_date,
        clv_predictions.p_alive,
        clv_predictions.churn_band,
        clv_predictions.expected_purchases,
        clv_predictions.expected_order_value,
        clv_predictions.predicted_value,
        btyd_history.avg_days_between_orders,
        btyd_history.expected_next_order_date,
        btyd_history.is_overdue
    from btyd_history
    left join clv_predictions
        on btyd_history.customer_id = clv_predictions.customer_id
        and btyd_history.snapshot_date = clv_predictions.snapshot_date

),

profiles as (

    select
        current_lifecycle.customer_id,
        current_lifecycle.snapshot_date,
        current_lifecycle.as_of_date,
        rfm_segments.segment as rfm_segment,
        rfm_segments.previous_segment as previous_rfm_segment,
        rfm_segments.segment_entered_date as rfm_segment_entered_date,
        {% if events_enabled -%}
        behaviour_history.behaviour_segment,
        behaviour_history.is_top_usage,
        behaviour_history.recommended_action as behaviour_action,
        {%- else -%}
        cast(null as {{ dbt.type_string() }}) as behaviour_segment,
        cast(null as boolean) as is_top_usage,
        cast(null as {{ dbt.type_string() }}) as behaviour_action,
        {%- endif %}
        current_lifecycle.lifecycle_stage,
        current_lifecycle.activity_status,
        current_lifecycle.status_action,
        value_history.value_band,
        value_history.revenue_12m,
        health_history.health_score,
        health_history.health_band,
        health_history.recommended_action as health_action,
        tiers.tier,
        tiers.tier_name,
        tiers.action_flag,
        last_changes.updated_at,
        predictions.p_alive,
        predictions.churn_band,
        predictions.expected_purchases,
        predictions.expected_order_value,
        predictions.predicted_value,
        predictions.avg_days_between_orders,
        predictions.expected_next_order_date,
        predictions.is_overdue
    from current_lifecycle
    inner join value_history
        on current_lifecycle.customer_id = value_history.customer_id
        and current_lifecycle.snapshot_date = value_history.snapshot_date
    inner join health_history
        on current_lifecycle.customer_id = health_history.customer_id
        and current_lifecycle.snapshot_date = health_history.snapshot_date
    {% if events_enabled -%}
    inner join behaviour_history
        on current_lifecycle.customer_id = behaviour_history.customer_id
        and current_lifecycle.snapshot_date = behaviour_history.snapshot_date
    {% endif -%}
    left join rfm_segments
        on current_lifecycle.customer_id = rfm_segments.customer_id
    left join tiers
        on current_lifecycle.customer_id = tiers.customer_id
    inner join last_changes
        on current_lifecycle.customer_id = last_changes.customer_id
    left join predictions
        on current_lifecycle.customer_id = predictions.customer_id
        and current_lifecycle.snapshot_date = predictions.snapshot_date

),

final as (

    select
        customer_id,
        snapshot_date,
        as_of_date,
        rfm_segment,
        previous_rfm_segment,
        rfm_segment_entered_date,
        behaviour_segment,
        is_top_usage,
        behaviour_action,
        lifecycle_stage,
        activity_status,
        status_action,
        value_band,
        revenue_12m,
        health_score,
        health_band,
        health_action,
        tier,
        tier_name,
        action_flag,
        -- A high-value account that is now at risk: an Enterprise or Mid-market account whose health is
        -- At-risk or Critical, or whose activity has lapsed into At risk.
        coalesce(
            value_band in ('Enterprise', 'Mid-market')
            and (health_band in ('At-risk', 'Critical') or activity_status = 'At risk'),
            false
        ) as is_high_value_at_risk,
        updated_at,
        p_alive,
        churn_band,
        expected_purchases,
        expected_order_value,
        predicted_value,
        avg_days_between_orders,
        expected_next_order_date,
        is_overdue
    from profiles

)

select * from final
