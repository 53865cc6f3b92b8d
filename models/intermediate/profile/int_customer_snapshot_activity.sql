{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **customer_segmentation.family_history_incremental_config()
) }}
{#- One row per customer per snapshot from the first snapshot whose as-of date reaches the customer's start
    (sign-up, or the first day with events or orders when that is earlier or sign-up is unknown), so every
    window change lands on a row: the trailing-window totals every
    segment family reads. Incremental like customer_rfm_history: a run recomputes the newest
    `rfm_lookback_periods` snapshots and adds the later ones, rolling the window changes forward from the
    totals carried in from before them. -#}
{%- set lookback = customer_segmentation.rfm_lookback_periods() %}

with

customers as (

    select * from {{ ref('stg_customers') }}

),

daily_activity as (

    select * from {{ ref('int_customer_daily_activity') }}

),

activity_changes as (

    select * from {{ ref('int_customer_activity_changes') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

recompute_from as (

    {{ customer_segmentation.recompute_from_snapshot(lookback) }}

),

customer_start_candidates as (

    select
        customer_id,
        {{ customer_segmentation.to_date('created_at') }} as start_date
    from customers
    where created_at is not null

    union all

    select
        customer_id,
        min(activity_date) as start_date
    from daily_activity
    group by customer_id

),

customer_starts as (

    select
        customer_id,
        min(start_date) as customer_since_date
    from customer_start_candidates
    group by customer_id

),

carried_in as (

    -- Window changes before the recomputed snapshots, summed once per customer, seed the running totals.
    select
        activity_changes.customer_id,
        sum(activity_changes.events_change) as events,
        sum(activity_changes.core_actions_change) as core_actions,
        sum(activity_changes.active_weeks_change) as active_weeks,
        sum(activity_changes.revenue_change) as revenue,
        sum(activity_changes.gross_revenue_change) as gross_revenue,
        sum(activity_changes.refunded_revenue_change) as refunded_revenue,
        sum(activity_changes.recent_revenue_change) as recent_revenue,
        sum(activity_changes.prior_revenue_change) as prior_revenue,
        max(activity_changes.last_activity_date) as last_activity_date,
        max(activity_changes.last_event_date) as last_event_date
    from activity_changes
    cross join recompute_from
    where activity_changes.snapshot_date < recompute_from.first_snapshot_date
    group by activity_changes.customer_id

),

customer_periods as (

    select
        customer_starts.customer_id,
        customer_starts.customer_since_date,
        periods.snapshot_date,
        periods.as_of_date
    from customer_starts
    inner join periods
        on periods.as_of_date >= customer_starts.customer_since_date
    cross join recompute_from
    where periods.snapshot_date >= recompute_from.first_snapshot_date

),

rolled_forward as (

    select
        customer_periods.customer_id,
        customer_periods.snapshot_date,
        customer_periods.as_of_date,
        customer_periods.customer_since_date,
        coalesce(carried_in.events, 0)
            + sum(coalesce(activity_changes.events_change, 0)) over customer_to_date as events,
        coalesce(carried_in.core_actions, 0)
            + sum(coalesce(activity_changes.core_actions_change, 0)) over customer_to_date as core_actions,
        coalesce(carried_in.active_weeks, 0)
            + sum(coalesce(activity_changes.active_weeks_change, 0)) over customer_to_date as active_weeks,
        coalesce(carried_in.revenue, 0)
            + sum(coalesce(activity_changes.revenue_change, 0)) over customer_to_date as revenue,
        coalesce(carried_in.gross_revenue, 0)
            + sum(coalesce(activity_changes.gross_revenue_change, 0)) over customer_to_date as gross_revenue,
        coalesce(carried_in.refunded_revenue, 0)
            + sum(coalesce(activity_changes.refunded_revenue_change, 0)) over customer_to_date as refunded_revenue,
        coalesce(carried_in.recent_revenue, 0)
            + sum(coalesce(activity_changes.recent_revenue_change, 0)) over customer_to_date as recent_revenue,
        coalesce(carried_in.prior_revenue, 0)
            + sum(coalesce(activity_changes.prior_revenue_change, 0)) over customer_to_date as prior_revenue,
        coalesce(
            max(activity_changes.last_activity_date) over customer_to_date,
            carried_in.last_activity_date
        ) as last_activity_date,
        coalesce(
            max(activity_changes.last_event_date) over customer_to_date,
            carried_in.last_event_date
        ) as last_event_date
    from customer_periods
    left join activity_changes
        on customer_periods.customer_id = activity_changes.customer_id
        and customer_periods.snapshot_date = activity_changes.snapshot_date
    left join carried_in
        on customer_periods.customer_id = carried_in.customer_id
    window customer_to_date as (
        partition by customer_periods.customer_id
        order by customer_periods.snapshot_date
        rows between unbounded preceding and current row
    )

),

final as (

    select
        customer_id,
        snapshot_date,
        as_of_date,
        customer_since_date,
        cast({{ dbt.datediff('customer_since_date', 'as_of_date', 'day') }} as integer) as tenure_days,
        cast(events as integer) as events_30d,
        cast(core_actions as integer) as core_actions_30d,
        cast(active_weeks as integer) as active_weeks_30d,
        last_event_date,
        last_activity_date,
        -- A customer never active counts as inactive since their start.
        cast({{ dbt.datediff('coalesce(last_activity_date, customer_since_date)', 'as_of_date', 'day') }} as integer)
            as days_since_last_activity,
        cast(revenue as {{ customer_segmentation.money_type() }}) as revenue_12m,
        cast(gross_revenue as {{ customer_segmentation.money_type() }}) as gross_revenue_12m,
        cast(refunded_revenue as {{ customer_segmentation.money_type() }}) as refunded_revenue_12m,
        cast(recent_revenue as {{ customer_segmentation.money_type() }}) as revenue_last_90d,
        cast(prior_revenue as {{ customer_segmentation.money_type() }}) as revenue_previous_90d
    from rolled_forward

)

select * from final
