with

orders as (

    select * from {{ ref('stg_orders') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

first_orders as (

    select
        orders.customer_id,
        min(orders.order_date) as first_order_date
    from orders
    cross join as_of
    where orders.status = 'completed'
        and orders.order_date <= as_of.as_of_date
    group by orders.customer_id

),

final as (

    select
        customer_id,
        first_order_date,
        {{ customer_segmentation.period_start('first_order_date', 'quarter') }} as cohort_quarter,
        {{ dbt.concat([
            dbt.cast('extract(year from first_order_date)', dbt.type_string()),
            "'q'",
            dbt.cast('extract(quarter from first_order_date)', dbt.type_string())
        ]) }} as cohort_label
    from first_orders

)

select * from final
