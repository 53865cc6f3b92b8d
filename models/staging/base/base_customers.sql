{%- set raw_columns = ['customer_id', 'customer_name', 'email', 'country', 'industry', 'company_size', 'created_at'] -%}

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
        {{ customer_segmentation.business_timestamp('created_at', source('raw', 'customers')) }} as created_at_parsed,
        {{ customer_segmentation.raw_values(raw_columns) }} as raw_values
    from source

),

checked as (

    -- Only the key rejects a customer. A bad created_at is an attribute: it becomes null (recorded in
    -- rejected_values), and the customer keeps its orders and events.
    select
        *,
        case
            when customer_id is null then 'null customer_id'
        end as row_problem,
        case
            when created_at_text is null then null
            when created_at_parsed is null then 'unparseable created_at'
            when cast(created_at_parsed as date) < {{ customer_segmentation.earliest_valid_date() }}
                then 'created_at before 1900-01-01'
            when cast(created_at_parsed as date) > {{ customer_segmentation.build_run_date() }}
                then 'created_at after run date'
        end as created_at_problem
    from parsed

),

typed as (

    select
        *,
        case when created_at_problem is null then created_at_parsed end as created_at
    from checked

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by customer_id, case when row_problem is null then 0 else 1 end
            order by created_at nulls last, raw_values
        ) as copy_number
    from typed

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
        created_at_text,
        created_at_problem,
        case
            when row_problem is not null then row_problem
            when copy_number > 1 then 'duplicate customer_id'
        end as rejection_reason
    from deduplicated

)

select * from final
