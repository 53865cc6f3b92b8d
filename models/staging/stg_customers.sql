with

customers as (

    select * from {{ ref('base_customers') }}

),

final as (

    select
        customer_id,
        customer_name,
        email,
        country,
        industry,
        company_size,
        created_at
    from customers
    where rejection_reason is null

)

select * from final
