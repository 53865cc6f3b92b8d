with

source as (

    select * from {{ source('raw', 'customers') }}

),

parsed as (

    select
        {{ customer_segmentation.as_text('customer_id') }} as customer_id,
        {{ customer_segmentation.as_text('customer_name') }} as customer_name,
        lower({{ customer_segmentation.as_text('email') }}) as email,
        {{ customer_segmentation.as_text('country') }} as country,
        {{ customer_segmentation.as_text('industry') }} as industry,
        {{ customer_segmentation.as_text('company_size') }} as company_size,
        {{ customer_segmentation.as_text('created_at') }} as created_at_text,
        {{ customer_segmentation.try_cast_timestamp(customer_segmentation.as_text('created_at')) }} as created_at,
        {{ customer_segmentation.raw_values(['customer_id', 'customer_name', 'email', 'country', 'industry', 'company_size', 'created_at']) }} as raw_values
    from source

),

checked as (

    select
        *,
        case
            when customer_id is null then 'null customer_id'
            when created_at_text is not null and created_at is null then 'unparseable created_at'
        end as row_problem
    from parsed

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by customer_id, case when row_problem is null then 0 else 1 end
            order by created_at, raw_values
        ) as copy_number
    from checked

),

final as (

    select
        customer_id,
        customer_name,
        email,
        country,
        industry,
        company_size,
        created_at,
        raw_values,
        case
            when row_problem is not null then row_problem
            when copy_number > 1 then 'duplicate customer_id'
        end as rejection_reason
    from deduplicated

)

select * from final
