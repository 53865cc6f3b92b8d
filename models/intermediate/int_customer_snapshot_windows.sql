{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ customer_segmentation.window_engine_drop_removed_snapshots(ref('int_rfm_periods')) }}",
    **customer_segmentation.family_history_incremental_config()
) }}
{#- One row per customer per snapshot from the first snapshot whose as-of date reaches the customer's start
    (sign-up, or the first day with events or orders when that is earlier or sign-up is unknown): every
    trailing-window total any segment family reads, rolled forward from int_customer_window_changes.
    Incremental runs find their own start (macros/window_engine.sql): they recompute from the earliest
    snapshot whose inputs changed, carry the running totals in from the stored rows of the snapshot before
    it, and replace whole snapshots, so any sequence of runs equals a full refresh. -#}
{%- set lookback = customer_segmentation.rfm_lookback_periods() -%}
{%- set money = customer_segmentation.money_type() -%}
{%- set plan = customer_segmentation.window_engine_plan(
    ref('int_customer_window_changes'), ref('int_rfm_periods'), lookback, compare_as_of=true
) -%}
{%- set start = plan.start_snapshot_date -%}
{%- set carried = plan.carry_snapshot_date -%}
{%- set totals = [
    'rfm_frequency',
    'rfm_monetary',
    'purchase_days',
    'purchase_days_revenue',
    'events',
    'core_actions',
    'active_weeks',
    'revenue',
    'gross_revenue',
    'refunded_revenue',
    'recent_revenue',
    'prior_revenue',
] -%}
{%- set latest = [
    'last_order_date',
    'last_activity_date',
    'last_event_date',
    'first_order_date',
    'first_purchase_day_revenue',
    'customer_since_date',
] %}

with

window_changes as (

    select * from {{ ref('int_customer_window_changes') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),
{% if carried %}
stored_windows as (

    select * from {{ this }}

),
{% endif %}
recomputed_changes as (

    select * from window_changes
    {%- if start %}
    where snapshot_date >= {{ customer_segmentation.window_engine_date(start) }}
    {%- endif %}

),

snapshot_fingerprints as (

    -- The inputs fingerprint the snapshot's change rows were built from, the same on each of them.
    select
        snapshot_date,
        max(inputs_fingerprint) as inputs_fingerprint
    from recomputed_changes
    group by snapshot_date

),

recomputed_periods as (

    select
        periods.snapshot_date,
        periods.as_of_date,
        coalesce(snapshot_fingerprints.inputs_fingerprint, cast(0 as decimal(38, 0))) as inputs_fingerprint
    from periods
    left join snapshot_fingerprints
        on periods.snapshot_date = snapshot_fingerprints.snapshot_date
    {%- if start %}
    where periods.snapshot_date >= {{ customer_segmentation.window_engine_date(start) }}
    {%- endif %}

),

changes_to_roll as (

    select
        customer_id,
        snapshot_date,
        {%- for total in totals %}
        {{ total }}_change,
        {%- endfor %}
        {{ latest | join(',\n        ') }}
    from recomputed_changes
    {%- if carried %}

    union all

    -- The totals of the snapshot before the start, as stored, enter as one change dated there: its inputs
    -- are unchanged, so its rows are what a full build gives, and no earlier change row is read again.
    select
        customer_id,
        snapshot_date,
        rfm_frequency as rfm_frequency_change,
        rfm_monetary as rfm_monetary_change,
        purchase_days as purchase_days_change,
        purchase_days_revenue as purchase_days_revenue_change,
        events_30d as events_change,
        core_actions_30d as core_actions_change,
        active_weeks_30d as active_weeks_change,
        revenue_12m as revenue_change,
        gross_revenue_12m as gross_revenue_change,
        refunded_revenue_12m as refunded_revenue_change,
        revenue_last_90d as recent_revenue_change,
        revenue_previous_90d as prior_revenue_change,
        {{ latest | join(',\n        ') }}
    from stored_windows
    where snapshot_date = {{ customer_segmentation.window_engine_date(carried) }}
    {%- endif %}

),

rolled_forward as (

    -- Running totals over a customer's change rows only (far fewer than customers x periods); each holds
    -- until the customer's next change.
    select
        customer_id,
        snapshot_date as change_snapshot_date,
        coalesce(
            lead(snapshot_date) over (partition by customer_id order by snapshot_date),
            cast('9999-12-31' as date)
        ) as next_change_snapshot_date,
        {%- for total in totals %}
        sum({{ total }}_change) over customer_to_date as {{ total }},
        {%- endfor %}
        -- The loop closes on the last column's line: sqlfluff (LT02) misreads a closing tag on its own line there.
        {%- for column in latest %}
        max({{ column }}) over customer_to_date as {{ column }}{% if not loop.last %},{% endif %}{% endfor %}
    from changes_to_roll
    window customer_to_date as (
        partition by customer_id
        order by snapshot_date
        rows between unbounded preceding and current row
    )

),

customer_periods as (

    -- Every recomputed period from a change up to the next one gets its totals: a join to the small
    -- periods table. A customer's rows start at their start marker.
    select
        rolled_forward.*,
        recomputed_periods.snapshot_date,
        recomputed_periods.as_of_date,
        recomputed_periods.inputs_fingerprint
    from rolled_forward
    inner join recomputed_periods
        on rolled_forward.change_snapshot_date <= recomputed_periods.snapshot_date
        and rolled_forward.next_change_snapshot_date > recomputed_periods.snapshot_date
    where rolled_forward.customer_since_date is not null

),

final as (

    select
        customer_id,
        snapshot_date,
        as_of_date,
        customer_since_date,
        cast({{ dbt.datediff(
            'customer_since_date',
            'as_of_date',
            'day') }} as integer) as tenure_days,
        first_order_date,
        last_order_date,
        cast(rfm_frequency as integer) as rfm_frequency,
        cast(rfm_monetary as {{ money }}) as rfm_monetary,
        cast(purchase_days as integer) as purchase_days,
        cast(purchase_days_revenue as {{ money }}) as purchase_days_revenue,
        cast(first_purchase_day_revenue as {{ money }}) as first_purchase_day_revenue,
        cast(events as integer) as events_30d,
        cast(core_actions as integer) as core_actions_30d,
        cast(active_weeks as integer) as active_weeks_30d,
        last_event_date,
        last_activity_date,
        -- A customer never active counts as inactive since their start.
        cast({{ dbt.datediff(
            'coalesce(last_activity_date, customer_since_date)',
            'as_of_date',
            'day') }} as integer) as days_since_last_activity,
        cast(revenue as {{ money }}) as revenue_12m,
        cast(gross_revenue as {{ money }}) as gross_revenue_12m,
        cast(refunded_revenue as {{ money }}) as refunded_revenue_12m,
        cast(recent_revenue as {{ money }}) as revenue_last_90d,
        cast(prior_revenue as {{ money }}) as revenue_previous_90d,
        cast(inputs_fingerprint as decimal(38, 0)) as inputs_fingerprint,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }}) as computed_at
    from customer_periods

)

select * from final
