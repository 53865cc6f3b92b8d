with

source as (

    select * from {{ source('raw', 'products') }}

),

parsed as (

    select
        {{ customer_segmentation.as_text('product_id') }} as product_id,
        {{ customer_segmentation.as_text('product_name') }} as product_name,
        {{ customer_segmentation.as_text('category') }} as category,
        {{ customer_segmentation.raw_values(['product_id', 'product_name', 'category']) }} as raw_values
    from source

),

deduplicated as (

    select
        *,
        row_number() over (partition by product_id order by raw_values) as copy_number
    from parsed

),

final as (

    select
        product_id,
        product_name,
        category,
        raw_values,
        case
            when product_id is null then 'null product_id'
            when copy_number > 1 then 'duplicate product_id'
        end as rejection_reason
    from deduplicated

)

select * from final
