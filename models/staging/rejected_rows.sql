{{ config(
    materialized='table',
    post_hook="{{ customer_segmentation.log_rejected_rows(this) }}"
) }}

with

customers as (

    select * from {{ ref('base_customers') }}

),

accounts as (

    select * from {{ ref('base_accounts') }}

),

products as (

    select * from {{ ref('base_products') }}

),

orders as (

    select * from {{ ref('base_orders') }}

),
{% if customer_segmentation.events_enabled() %}
events as (

    select * from {{ ref('base_events') }}

),
{% endif %}

rejected as (

    select
        'customers' as source_table,
        coalesce(customer_id, '<null>') as source_key,
        rejection_reason as reason,
        raw_values
    from customers
    where rejection_reason is not null

    union all

    select
        'accounts' as source_table,
        coalesce(account_id, '<null>') as source_key,
        rejection_reason as reason,
        raw_values
    from accounts
    where rejection_reason is not null

    union all

    select
        'products' as source_table,
        coalesce(product_id, '<null>') as source_key,
        rejection_reason as reason,
        raw_values
    from products
    where rejection_reason is not null

    union all

    select
        'orders' as source_table,
        coalesce(order_id, '<null>') as source_key,
        rejection_reason as reason,
        raw_values
    from orders
    where rejection_reason is not null
    {% if customer_segmentation.events_enabled() %}
    union all

    select
        'events' as source_table,
        coalesce(event_id, '<null>') as source_key,
        rejection_reason as reason,
        raw_values
    from events
    where rejection_reason is not null
    {% endif %}
),

final as (

    select
        source_table,
        source_key,
        reason,
        raw_values
    from rejected

)

select * from final
