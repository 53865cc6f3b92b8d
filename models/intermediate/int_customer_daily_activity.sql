{#- One row per customer and day with activity up to the as-of date: product events (when the project has
    them) and the orders the project counts (int_orders_to_date). Every trailing window is built from these
    days, so no later model touches single events or orders. -#}
{%- set events_enabled = customer_segmentation.events_enabled() -%}

with

orders_to_date as (

    select * from {{ ref('int_orders_to_date') }}

),
{% if events_enabled %}
events as (

    select * from {{ ref('stg_events') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),
{% endif %}

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
    group by
        customer_id,
        order_date

),
{% if events_enabled %}
event_days as (

    select
        events.customer_id,
        events.event_date as activity_date,
        count(*) as events,
        sum(case when events.event_name = {{ customer_segmentation.core_action_event_literal() }} then 1 else 0 end)
            as core_actions,
        0 as order_rows,
        0 as completed_orders,
        0 as net_revenue,
        0 as gross_revenue,
        0 as refunded_revenue
    from events
    cross join as_of
    where events.event_date <= as_of.as_of_date
    group by
        events.customer_id,
        events.event_date

),
{% endif %}
activity as (

    select * from order_days
    {% if events_enabled -%}
    union all
    select * from event_days
    {%- endif %}

),

final as (

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
        case when sum(events) > 0 or sum(completed_orders) > 0 then true else false end as is_active_day
    from activity
    group by
        customer_id,
        activity_date

)

select * from final
