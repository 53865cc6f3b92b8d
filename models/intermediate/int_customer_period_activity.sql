{#- Per customer and period, what changes in the rolling window: orders entering it (dated in the period) and
    orders leaving it (their window has passed). Rolling these changes forward per customer gives each
    snapshot's frequency and monetary in time linear in orders plus customers x periods, without joining any
    order to the periods after it. -#}
{%- set grain = customer_segmentation.rfm_grain() -%}

with

orders as (

    select * from {{ ref('stg_orders') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

daily_activity as (

    select
        orders.customer_id,
        orders.order_date,
        sum(case when orders.status = 'completed' then 1 else 0 end) as completed_orders,
        sum(case when orders.status in ('completed', 'refunded') then orders.amount else 0 end) as net_revenue
    from orders
    cross join as_of
    where orders.status in ('completed', 'refunded')
        and orders.order_date <= as_of.as_of_date
    group by
        orders.customer_id,
        orders.order_date

),

order_dates as (

    select distinct order_date from daily_activity

),

date_windows as (

    -- For each calendar date with activity: the first snapshot whose as-of date reaches it (it enters the
    -- window) and the first snapshot whose window starts on or after it (it has left). Both bounds move
    -- forward with the period, so every date sits in one contiguous run of snapshots. This joins dates to
    -- periods, never orders to periods.
    select
        order_dates.order_date,
        min(case when periods.as_of_date >= order_dates.order_date then periods.snapshot_date end) as entering_snapshot_date,
        min(case when periods.window_start_date >= order_dates.order_date then periods.snapshot_date end) as leaving_snapshot_date
    from order_dates
    cross join periods
    group by order_dates.order_date

),

date_window_spans as (

    select
        order_date,
        entering_snapshot_date,
        leaving_snapshot_date,
        -- A long period with a short window can see a date leave before any snapshot counts it.
        coalesce(leaving_snapshot_date > entering_snapshot_date, true) as is_ever_in_window
    from date_windows

),

window_changes as (

    select
        daily_activity.customer_id,
        date_window_spans.entering_snapshot_date as snapshot_date,
        case when date_window_spans.is_ever_in_window then daily_activity.completed_orders else 0 end as frequency_change,
        case when date_window_spans.is_ever_in_window then daily_activity.net_revenue else 0 end as monetary_change,
        -- Recency looks at every completed order, in the window or not.
        case when daily_activity.completed_orders > 0 then daily_activity.order_date end as last_completed_order_date
    from daily_activity
    inner join date_window_spans
        on daily_activity.order_date = date_window_spans.order_date

    union all

    select
        daily_activity.customer_id,
        date_window_spans.leaving_snapshot_date as snapshot_date,
        -1 * daily_activity.completed_orders as frequency_change,
        -1 * daily_activity.net_revenue as monetary_change,
        cast(null as date) as last_completed_order_date
    from daily_activity
    inner join date_window_spans
        on daily_activity.order_date = date_window_spans.order_date
    where date_window_spans.is_ever_in_window
        and date_window_spans.leaving_snapshot_date is not null

),

final as (

    select
        customer_id,
        snapshot_date,
        cast(sum(frequency_change) as integer) as frequency_change,
        cast(sum(monetary_change) as {{ customer_segmentation.money_type() }}) as monetary_change,
        max(last_completed_order_date) as last_completed_order_date
    from window_changes
    group by
        customer_id,
        snapshot_date

)

select * from final
