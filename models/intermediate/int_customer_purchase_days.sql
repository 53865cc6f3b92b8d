{#- One row per customer and purchase day: a day with at least one completed order, up to the as-of date.
    The BTYD models count purchase days, not orders (several orders on one day are one purchase), and value a
    day at its net revenue (completed amounts minus refunds dated that day), as pymc-marketing's rfm_summary
    does when it sums a customer's transactions per day. A refund dated on a day without a completed order is
    not a purchase and leaves the spend of the purchase days as it was. -#}

with

daily_activity as (

    select * from {{ ref('int_customer_daily_activity') }}

),

final as (

    select
        customer_id,
        activity_date as purchase_date,
        completed_orders,
        net_revenue
    from daily_activity
    where completed_orders > 0

)

select * from final
