{{ config(materialized='view') }}
{#- The orders the project counts, and the only place that says so: completed orders and refund rows dated
    up to the as-of date (cancelled rows count nowhere, and no snapshot sees the future). A view: every
    reader aggregates it at once, so storing a copy of the orders would only add a write. -#}

with

orders as (

    select * from {{ ref('stg_orders') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.account_id,
        orders.product_id,
        orders.ordered_at,
        orders.order_date,
        orders.amount,
        orders.cost,
        orders.status
    from orders
    cross join as_of
    where orders.status in ('completed', 'refunded')
        and orders.order_date <= as_of.as_of_date

)

select * from final
