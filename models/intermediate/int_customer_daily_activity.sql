{{ config(
    pre_hook="{{ customer_segmentation.window_engine_drop_removed_dates(ref('int_window_dates')) }}",
    **customer_segmentation.daily_activity_incremental_config()
) }}
{#- One row per customer and day with activity up to the as-of date: product events (when the project has
    them) and the orders the project counts (int_orders_to_date, int_events_to_date). Every trailing window
    is built from these days, so no later model touches single events or orders. Incremental runs rebuild
    only the dates whose inputs changed (a new month, late, corrected or re-statused rows of any age), found
    by comparing each row's inputs fingerprint with its date's in int_window_dates (macros/window_engine.sql);
    dates with no activity left are deleted by the pre-hook. -#}
{%- set events_enabled = customer_segmentation.events_enabled() -%}
{%- set plan = customer_segmentation.window_engine_changed_dates(ref('int_window_dates')) -%}

with

orders_to_date as (

    select * from {{ ref('int_orders_to_date') }}

),
{% if events_enabled %}
events_to_date as (

    select * from {{ ref('int_events_to_date') }}

),
{% endif %}
window_dates as (

    select * from {{ ref('int_window_dates') }}

),

order_days as (

    select
        customer_id,
        order_date as activity_date,
        0 as events,
        0 as core_actions,
        count(*) as order_rows,
        sum(case when status = 'completed' then 1 else 0 end) as completed_orders,
        sum(amount) as net_revenue,
        sum(case when status = 'completed' then amount else 0 end) as gross_revenue,
        sum(case when status = 'refunded' then -1 * amount else 0 end) as refunded_revenue
    from orders_to_date
    where {{ customer_segmentation.window_engine_dates_filter('order_date', plan) }}
    group by
        customer_id,
        order_date

),
{% if events_enabled %}
event_days as (

    select
        customer_id,
        event_date as activity_date,
        count(*) as events,
        sum(case when event_name = {{ customer_segmentation.core_action_event_literal() }} then 1 else 0 end)
            as core_actions,
        0 as order_rows,
        0 as completed_orders,
        0 as net_revenue,
        0 as gross_revenue,
        0 as refunded_revenue
    from events_to_date
    where {{ customer_segmentation.window_engine_dates_filter('event_date', plan) }}
    group by
        customer_id,
        event_date

),
{% endif %}
activity as (

    select * from order_days
    {% if events_enabled -%}
    union all
    select * from event_days
    {%- endif %}

),

customer_days as (

    select
        customer_id,
        activity_date,
        cast(sum(events) as integer) as events,
        cast(sum(core_actions) as integer) as core_actions,
        cast(sum(order_rows) as integer) as order_rows,
        cast(sum(completed_orders) as integer) as completed_orders,
        cast(sum(net_revenue) as {{ customer_segmentation.money_type() }}) as net_revenue,
        cast(sum(gross_revenue) as {{ customer_segmentation.money_type() }}) as gross_revenue,
        cast(sum(refunded_revenue) as {{ customer_segmentation.money_type() }}) as refunded_revenue,
        -- A day counts as activity when the customer used the product or completed an order; a refund alone
        -- does not.
        coalesce(sum(events) > 0 or sum(completed_orders) > 0, false) as is_active_day
    from activity
    group by
        customer_id,
        activity_date

),

final as (

    select
        customer_days.*,
        window_dates.activity_fingerprint as inputs_fingerprint
    from customer_days
    inner join window_dates
        on customer_days.activity_date = window_dates.window_date

)

select * from final
