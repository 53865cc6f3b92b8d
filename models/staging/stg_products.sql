with

products as (

    select * from {{ ref('base_products') }}

),

final as (

    select
        product_id,
        product_name,
        category
    from products
    where rejection_reason is null

)

select * from final
