with

orders_to_date as (

    select * from {{ ref('int_orders_to_date') }}

),

first_orders as (

    select
        customer_id,
        min(order_date) as first_order_date
    from orders_to_date
    where status = 'completed'
    group by customer_id

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
