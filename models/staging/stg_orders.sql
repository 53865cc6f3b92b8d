with

orders as (

    select * from {{ ref('base_orders') }}

),

final as (

    select
        order_id,
        customer_id,
        account_id,
        product_id,
        ordered_at,
        {{ customer_segmentation.to_date('ordered_at') }} as order_date,
        amount,
        cost,
        status
    from orders
    where rejection_reason is null

)

select * from final
