{#- Per customer and snapshot, how each trailing window of the segment families changes: activity dated in
    the period enters, activity whose window has passed leaves. Summing the changes through a snapshot gives
    its window totals, at a cost linear in active customer-days plus customers x periods: days are mapped
    to snapshots through their dates, never joined to every later period. Windows, each ending at the
    snapshot's as_of_date with an exclusive lower bound:
      behaviour  `behaviour_window_days` (30): events, core actions, active calendar weeks
      value      `value_window_months` (12): net, gross and refunded revenue
      recent     the last `health_trend_days` (90) and prior, the same number of days before those. -#}
{%- set behaviour = customer_segmentation.behaviour_config() -%}
{%- set value = customer_segmentation.value_config() -%}
{%- set health = customer_segmentation.health_config() -%}

with

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
        cast({{ dbt.dateadd('day', -1 * behaviour.window_days, 'as_of_date') }} as date) as behaviour_window_start_date,
        {{ customer_segmentation.months_before('as_of_date', value.window_months) }} as value_window_start_date,
        cast({{ dbt.dateadd('day', -1 * health.trend_days, 'as_of_date') }} as date) as recent_window_start_date,
        cast({{ dbt.dateadd('day', -2 * health.trend_days, 'as_of_date') }} as date) as prior_window_start_date
    from periods

),

activity_dates as (

    select distinct activity_date from daily_activity

),

date_windows as (

    -- For each date with activity: the first snapshot whose as-of date reaches it (it enters) and, per
    -- window, the first snapshot whose window starts on or after it (it has left). A date that enters and
    -- leaves at the same snapshot never counts, and its changes cancel.
    select
        activity_dates.activity_date,
        min(case when period_windows.as_of_date >= activity_dates.activity_date then period_windows.snapshot_date end)
            as entering_snapshot_date,
        min(case when period_windows.behaviour_window_start_date >= activity_dates.activity_date then period_windows.snapshot_date end)
            as leaving_behaviour_snapshot_date,
        min(case when period_windows.value_window_start_date >= activity_dates.activity_date then period_windows.snapshot_date end)
            as leaving_value_snapshot_date,
        min(case when period_windows.recent_window_start_date >= activity_dates.activity_date then period_windows.snapshot_date end)
            as leaving_recent_snapshot_date,
        min(case when period_windows.prior_window_start_date >= activity_dates.activity_date then period_windows.snapshot_date end)
            as leaving_prior_snapshot_date
    from activity_dates
    cross join period_windows
    group by activity_dates.activity_date

),

active_weeks as (

    -- A calendar week (Monday start) counts as active in a window when any of its event days is inside.
    -- Its event days lie within six days of each other and the window is at least seven long, so the week
    -- is inside from the snapshot its first event day enters until the one its last event day leaves.
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

day_changes as (

    select
        daily_activity.*,
        date_windows.entering_snapshot_date,
        date_windows.leaving_behaviour_snapshot_date,
        date_windows.leaving_value_snapshot_date,
        date_windows.leaving_recent_snapshot_date,
        date_windows.leaving_prior_snapshot_date
    from daily_activity
    inner join date_windows
        on daily_activity.activity_date = date_windows.activity_date

),

window_changes as (

    -- Entering every window at once.
    select
        customer_id,
        entering_snapshot_date as snapshot_date,
        events as events_change,
        core_actions as core_actions_change,
        0 as active_weeks_change,
        net_revenue as revenue_change,
        gross_revenue as gross_revenue_change,
        refunded_revenue as refunded_revenue_change,
        net_revenue as recent_revenue_change,
        0 as prior_revenue_change,
        case when is_active_day then activity_date end as last_activity_date,
        case when events > 0 then activity_date end as last_event_date
    from day_changes

    union all

    -- Leaving the behaviour window.
    select
        customer_id,
        leaving_behaviour_snapshot_date as snapshot_date,
        -1 * events as events_change,
        -1 * core_actions as core_actions_change,
        0 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        0 as recent_revenue_change,
        0 as prior_revenue_change,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date
    from day_changes
    where events > 0
        and leaving_behaviour_snapshot_date is not null

    union all

    -- Leaving the value window.
    select
        customer_id,
        leaving_value_snapshot_date as snapshot_date,
        0 as events_change,
        0 as core_actions_change,
        0 as active_weeks_change,
        -1 * net_revenue as revenue_change,
        -1 * gross_revenue as gross_revenue_change,
        -1 * refunded_revenue as refunded_revenue_change,
        0 as recent_revenue_change,
        0 as prior_revenue_change,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date
    from day_changes
    where order_rows > 0
        and leaving_value_snapshot_date is not null

    union all

    -- Leaving the recent trend window is entering the prior one.
    select
        customer_id,
        leaving_recent_snapshot_date as snapshot_date,
        0 as events_change,
        0 as core_actions_change,
        0 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        -1 * net_revenue as recent_revenue_change,
        net_revenue as prior_revenue_change,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date
    from day_changes
    where order_rows > 0
        and leaving_recent_snapshot_date is not null

    union all

    -- Leaving the prior trend window.
    select
        customer_id,
        leaving_prior_snapshot_date as snapshot_date,
        0 as events_change,
        0 as core_actions_change,
        0 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        0 as recent_revenue_change,
        -1 * net_revenue as prior_revenue_change,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date
    from day_changes
    where order_rows > 0
        and leaving_prior_snapshot_date is not null

    union all

    -- Active weeks entering the behaviour window.
    select
        active_weeks.customer_id,
        date_windows.entering_snapshot_date as snapshot_date,
        0 as events_change,
        0 as core_actions_change,
        1 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        0 as recent_revenue_change,
        0 as prior_revenue_change,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date
    from active_weeks
    inner join date_windows
        on active_weeks.first_event_date = date_windows.activity_date

    union all

    -- Active weeks leaving it.
    select
        active_weeks.customer_id,
        date_windows.leaving_behaviour_snapshot_date as snapshot_date,
        0 as events_change,
        0 as core_actions_change,
        -1 as active_weeks_change,
        0 as revenue_change,
        0 as gross_revenue_change,
        0 as refunded_revenue_change,
        0 as recent_revenue_change,
        0 as prior_revenue_change,
        cast(null as date) as last_activity_date,
        cast(null as date) as last_event_date
    from active_weeks
    inner join date_windows
        on active_weeks.last_event_date = date_windows.activity_date
    where date_windows.leaving_behaviour_snapshot_date is not null

),

final as (

    select
        customer_id,
        snapshot_date,
        cast(sum(events_change) as integer) as events_change,
        cast(sum(core_actions_change) as integer) as core_actions_change,
        cast(sum(active_weeks_change) as integer) as active_weeks_change,
        cast(sum(revenue_change) as {{ customer_segmentation.money_type() }}) as revenue_change,
        cast(sum(gross_revenue_change) as {{ customer_segmentation.money_type() }}) as gross_revenue_change,
        cast(sum(refunded_revenue_change) as {{ customer_segmentation.money_type() }}) as refunded_revenue_change,
        cast(sum(recent_revenue_change) as {{ customer_segmentation.money_type() }}) as recent_revenue_change,
        cast(sum(prior_revenue_change) as {{ customer_segmentation.money_type() }}) as prior_revenue_change,
        max(last_activity_date) as last_activity_date,
        max(last_event_date) as last_event_date
    from window_changes
    group by
        customer_id,
        snapshot_date

)

select * from final
