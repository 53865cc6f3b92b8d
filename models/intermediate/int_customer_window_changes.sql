{#- Per customer and snapshot, how every trailing-window total changes: activity dated in the period enters,
    activity whose window has passed leaves. Rolling these changes forward per customer
    (int_customer_snapshot_windows) gives each snapshot's totals at a cost linear in active customer-days plus
    customers x periods: days are mapped to snapshots through a dates x periods table, never joined to every
    later period. Windows end at the snapshot's as_of_date, with an exclusive lower bound:
      RFM        `rfm_window_months` (12; 0 = all history): completed orders, net revenue
      behaviour  `behaviour_window_days` (30): events, core actions, active calendar weeks
      value      `value_window_months` (12): net, gross and refunded revenue
      recent     the last `health_trend_days` (90) and prior, the same number of days before those
    and, never leaving: purchase days (days with a completed order) and their net revenue, the latest
    completed order, active and event day, the first purchase day, and the customer's start.
    Each row carries `change_hash`, a 64-bit hash of its values: summed per snapshot it is the fingerprint an
    incremental run compares with the one stored, to find the earliest snapshot whose inputs changed. -#}
{%- set behaviour = customer_segmentation.behaviour_config() -%}
{%- set value = customer_segmentation.value_config() -%}
{%- set health = customer_segmentation.health_config() -%}
{%- set money = customer_segmentation.money_type() -%}

with

customers as (

    select * from {{ ref('stg_customers') }}

),

daily_activity as (

    select * from {{ ref('int_customer_daily_activity') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

period_windows as (

    select
        snapshot_date,
        as_of_date,
        window_start_date as rfm_window_start_date,
        cast({{ dbt.dateadd('day', -1 * behaviour.window_days, 'as_of_date') }} as date) as behaviour_window_start_date,
        {{ customer_segmentation.months_before('as_of_date', value.window_months) }} as value_window_start_date,
        cast({{ dbt.dateadd('day', -1 * health.trend_days, 'as_of_date') }} as date) as recent_window_start_date,
        cast({{ dbt.dateadd('day', -2 * health.trend_days, 'as_of_date') }} as date) as prior_window_start_date
    from periods

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

    -- A customer starts at sign-up, or at their first day with events or orders when that is earlier or
    -- sign-up is unknown.
    select
        customer_id,
        min(start_date) as customer_since_date
    from customer_start_candidates
    group by customer_id

),

first_purchase_days as (

    -- The first purchase day never changes once a customer has one, so it enters once with its revenue.
    select
        daily_activity.customer_id,
        daily_activity.activity_date as first_order_date,
        daily_activity.net_revenue as first_purchase_day_revenue
    from daily_activity
    inner join (
        select
            customer_id,
            min(activity_date) as first_order_date
        from daily_activity
        where completed_orders > 0
        group by customer_id
    ) as firsts
        on daily_activity.customer_id = firsts.customer_id
        and daily_activity.activity_date = firsts.first_order_date

),

window_dates as (

    select activity_date as window_date from daily_activity
    union
    select customer_since_date as window_date from customer_starts

),

date_windows as (

    -- For each date: the first snapshot whose as-of date reaches it (it enters) and, per window, the first
    -- snapshot whose window starts on or after it (it has left). Both bounds move forward with the period,
    -- so a date sits in one contiguous run of snapshots; one that enters and leaves at the same snapshot
    -- never counts, and its changes cancel. A date after every as-of date enters no snapshot.
    select
        window_dates.window_date,
        min(case when period_windows.as_of_date >= window_dates.window_date then period_windows.snapshot_date end)
            as entering_snapshot_date,
        min(case when period_windows.rfm_window_start_date >= window_dates.window_date then period_windows.snapshot_date end)
            as leaving_rfm_snapshot_date,
        min(case when period_windows.behaviour_window_start_date >= window_dates.window_date then period_windows.snapshot_date end)
            as leaving_behaviour_snapshot_date,
        min(case when period_windows.value_window_start_date >= window_dates.window_date then period_windows.snapshot_date end)
            as leaving_value_snapshot_date,
        min(case when period_windows.recent_window_start_date >= window_dates.window_date then period_windows.snapshot_date end)
            as leaving_recent_snapshot_date,
        min(case when period_windows.prior_window_start_date >= window_dates.window_date then period_windows.snapshot_date end)
            as leaving_prior_snapshot_date
    from window_dates
    cross join period_windows
    group by window_dates.window_date

),

day_changes as (

    select
        daily_activity.*,
        date_windows.entering_snapshot_date,
        date_windows.leaving_rfm_snapshot_date,
        date_windows.leaving_behaviour_snapshot_date,
        date_windows.leaving_value_snapshot_date,
        date_windows.leaving_recent_snapshot_date,
        date_windows.leaving_prior_snapshot_date
    from daily_activity
    inner join date_windows
        on daily_activity.activity_date = date_windows.window_date

),

active_weeks as (

    -- A calendar week (Monday start) counts as active in the behaviour window when any of its event days is
    -- inside. Its event days lie within six days of each other and the window is at least seven long, so the
    -- week is inside from the snapshot its first event day enters until the one its last event day leaves.
    select
        customer_id,
        {{ customer_segmentation.period_start('activity_date', 'week') }} as week_start_date,
        min(activity_date) as first_event_date,
        max(activity_date) as last_event_date
    from daily_activity
    where events > 0
    group by
        customer_id,
        {{ customer_segmentation.period_start('activity_date', 'week') }}

),

window_changes as (

    -- Entering every window at once. Recency looks at every completed order, in a window or not; a
    -- refund-only day is neither a purchase nor activity.
    select
        customer_id,
        entering_snapshot_date as snapshot_date,
        completed_orders as rfm_frequency_change,
        net_revenue as rfm_monetary_change,
        case when completed_orders > 0 then 1 else 0 end as purchase_days_change,
        case when completed_orders > 0 then net_revenue else 0 end as purchase_days_revenue_change,
        events as events_change,
        core_actions as core_actions_change,
        0 as active_weeks_change,
        net_revenue as revenue_change,
        gross_revenue as gross_revenue_change,
        refunded_revenue as refunded_revenue_change,
        net_revenue as recent_revenue_change,
        0 as prior_revenue_change,
        case when completed_orders > 0 then activity_date end as last_order_date,
        case when is_active_day then activity_date end as last_activity_date,
        case when events > 0 then activity_date end as last_event_date,
        cast(null as date) as first_order_date,
        cast(null as {{ money }}) as first_purchase_day_revenue,
        cast(null as date) as customer_since_date
    from day_changes

    union all

    -- Leaving the RFM window.
    select
        customer_id,
        leaving_rfm_snapshot_date as snapshot_date,
        -1 * completed_orders as rfm_frequency_change,
        -1 * net_revenue as rfm_monetary_change,
        0 as purchase_days_change,
        0 as purchase_days_revenue_change,
        0 as events_change,
        0 as core_actions_change,
        0 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        0 as recent_revenue_change,
        0 as prior_revenue_change,
        cast(null as date) as last_order_date,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date,
        cast(null as date) as first_order_date,
        cast(null as {{ money }}) as first_purchase_day_revenue,
        cast(null as date) as customer_since_date
    from day_changes
    where order_rows > 0
        and leaving_rfm_snapshot_date is not null

    union all

    -- Leaving the behaviour window.
    select
        customer_id,
        leaving_behaviour_snapshot_date as snapshot_date,
        0 as rfm_frequency_change,
        0 as rfm_monetary_change,
        0 as purchase_days_change,
        0 as purchase_days_revenue_change,
        -1 * events as events_change,
        -1 * core_actions as core_actions_change,
        0 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        0 as recent_revenue_change,
        0 as prior_revenue_change,
        cast(null as date) as last_order_date,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date,
        cast(null as date) as first_order_date,
        cast(null as {{ money }}) as first_purchase_day_revenue,
        cast(null as date) as customer_since_date
    from day_changes
    where events > 0
        and leaving_behaviour_snapshot_date is not null

    union all

    -- Leaving the value window.
    select
        customer_id,
        leaving_value_snapshot_date as snapshot_date,
        0 as rfm_frequency_change,
        0 as rfm_monetary_change,
        0 as purchase_days_change,
        0 as purchase_days_revenue_change,
        0 as events_change,
        0 as core_actions_change,
        0 as active_weeks_change,
        -1 * net_revenue as revenue_change,
        -1 * gross_revenue as gross_revenue_change,
        -1 * refunded_revenue as refunded_revenue_change,
        0 as recent_revenue_change,
        0 as prior_revenue_change,
        cast(null as date) as last_order_date,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date,
        cast(null as date) as first_order_date,
        cast(null as {{ money }}) as first_purchase_day_revenue,
        cast(null as date) as customer_since_date
    from day_changes
    where order_rows > 0
        and leaving_value_snapshot_date is not null

    union all

    -- Leaving the recent trend window is entering the prior one.
    select
        customer_id,
        leaving_recent_snapshot_date as snapshot_date,
        0 as rfm_frequency_change,
        0 as rfm_monetary_change,
        0 as purchase_days_change,
        0 as purchase_days_revenue_change,
        0 as events_change,
        0 as core_actions_change,
        0 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        -1 * net_revenue as recent_revenue_change,
        net_revenue as prior_revenue_change,
        cast(null as date) as last_order_date,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date,
        cast(null as date) as first_order_date,
        cast(null as {{ money }}) as first_purchase_day_revenue,
        cast(null as date) as customer_since_date
    from day_changes
    where order_rows > 0
        and leaving_recent_snapshot_date is not null

    union all

    -- Leaving the prior trend window.
    select
        customer_id,
        leaving_prior_snapshot_date as snapshot_date,
        0 as rfm_frequency_change,
        0 as rfm_monetary_change,
        0 as purchase_days_change,
        0 as purchase_days_revenue_change,
        0 as events_change,
        0 as core_actions_change,
        0 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        0 as recent_revenue_change,
        -1 * net_revenue as prior_revenue_change,
        cast(null as date) as last_order_date,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date,
        cast(null as date) as first_order_date,
        cast(null as {{ money }}) as first_purchase_day_revenue,
        cast(null as date) as customer_since_date
    from day_changes
    where order_rows > 0
        and leaving_prior_snapshot_date is not null

    union all

    -- Active weeks entering the behaviour window.
    select
        active_weeks.customer_id,
        date_windows.entering_snapshot_date as snapshot_date,
        0 as rfm_frequency_change,
        0 as rfm_monetary_change,
        0 as purchase_days_change,
        0 as purchase_days_revenue_change,
        0 as events_change,
        0 as core_actions_change,
        1 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        0 as recent_revenue_change,
        0 as prior_revenue_change,
        cast(null as date) as last_order_date,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date,
        cast(null as date) as first_order_date,
        cast(null as {{ money }}) as first_purchase_day_revenue,
        cast(null as date) as customer_since_date
    from active_weeks
    inner join date_windows
        on active_weeks.first_event_date = date_windows.window_date

    union all

    -- Active weeks leaving it.
    select
        active_weeks.customer_id,
        date_windows.leaving_behaviour_snapshot_date as snapshot_date,
        0 as rfm_frequency_change,
        0 as rfm_monetary_change,
        0 as purchase_days_change,
        0 as purchase_days_revenue_change,
        0 as events_change,
        0 as core_actions_change,
        -1 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        0 as recent_revenue_change,
        0 as prior_revenue_change,
        cast(null as date) as last_order_date,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date,
        cast(null as date) as first_order_date,
        cast(null as {{ money }}) as first_purchase_day_revenue,
        cast(null as date) as customer_since_date
    from active_weeks
    inner join date_windows
        on active_weeks.last_event_date = date_windows.window_date
    where date_windows.leaving_behaviour_snapshot_date is not null

    union all

    -- The first purchase day, at the snapshot it enters.
    select
        first_purchase_days.customer_id,
        date_windows.entering_snapshot_date as snapshot_date,
        0 as rfm_frequency_change,
        0 as rfm_monetary_change,
        0 as purchase_days_change,
        0 as purchase_days_revenue_change,
        0 as events_change,
        0 as core_actions_change,
        0 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        0 as recent_revenue_change,
        0 as prior_revenue_change,
        cast(null as date) as last_order_date,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date,
        first_purchase_days.first_order_date,
        first_purchase_days.first_purchase_day_revenue,
        cast(null as date) as customer_since_date
    from first_purchase_days
    inner join date_windows
        on first_purchase_days.first_order_date = date_windows.window_date

    union all

    -- The start marker: a customer's rows begin at the first snapshot whose as-of date reaches their start.
    select
        customer_starts.customer_id,
        date_windows.entering_snapshot_date as snapshot_date,
        0 as rfm_frequency_change,
        0 as rfm_monetary_change,
        0 as purchase_days_change,
        0 as purchase_days_revenue_change,
        0 as events_change,
        0 as core_actions_change,
        0 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        0 as recent_revenue_change,
        0 as prior_revenue_change,
        cast(null as date) as last_order_date,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date,
        cast(null as date) as first_order_date,
        cast(null as {{ money }}) as first_purchase_day_revenue,
        customer_starts.customer_since_date
    from customer_starts
    inner join date_windows
        on customer_starts.customer_since_date = date_windows.window_date
    where date_windows.entering_snapshot_date is not null

),

snapshot_changes as (

    select
        customer_id,
        snapshot_date,
        cast(sum(rfm_frequency_change) as integer) as rfm_frequency_change,
        cast(sum(rfm_monetary_change) as {{ money }}) as rfm_monetary_change,
        cast(sum(purchase_days_change) as integer) as purchase_days_change,
        cast(sum(purchase_days_revenue_change) as {{ money }}) as purchase_days_revenue_change,
        cast(sum(events_change) as integer) as events_change,
        cast(sum(core_actions_change) as integer) as core_actions_change,
        cast(sum(active_weeks_change) as integer) as active_weeks_change,
        cast(sum(revenue_change) as {{ money }}) as revenue_change,
        cast(sum(gross_revenue_change) as {{ money }}) as gross_revenue_change,
        cast(sum(refunded_revenue_change) as {{ money }}) as refunded_revenue_change,
        cast(sum(recent_revenue_change) as {{ money }}) as recent_revenue_change,
        cast(sum(prior_revenue_change) as {{ money }}) as prior_revenue_change,
        max(last_order_date) as last_order_date,
        max(last_activity_date) as last_activity_date,
        max(last_event_date) as last_event_date,
        max(first_order_date) as first_order_date,
        cast(max(first_purchase_day_revenue) as {{ money }}) as first_purchase_day_revenue,
        max(customer_since_date) as customer_since_date
    from window_changes
    where snapshot_date is not null
    group by
        customer_id,
        snapshot_date

),

final as (

    select
        *,
        {{ customer_segmentation.row_hash([
            'customer_id',
            'snapshot_date',
            'rfm_frequency_change',
            'rfm_monetary_change',
            'purchase_days_change',
            'purchase_days_revenue_change',
            'events_change',
            'core_actions_change',
            'active_weeks_change',
            'revenue_change',
            'gross_revenue_change',
            'refunded_revenue_change',
            'recent_revenue_change',
            'prior_revenue_change',
            'last_order_date',
            'last_activity_date',
            'last_event_date',
            'first_order_date',
            'first_purchase_day_revenue',
            'customer_since_date',
        ]) }} as change_hash
    from snapshot_changes

)

select * from final
