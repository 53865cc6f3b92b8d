with

source as (

    select * from {{ source('raw', 'accounts') }}

),

customers as (

    select customer_id from {{ ref('base_customers') }}
    where rejection_reason is null

),

parsed as (

    select
        {{ customer_segmentation.as_text('account_id') }} as account_id,
        {{ customer_segmentation.as_text('customer_id') }} as customer_id,
        {{ customer_segmentation.as_text('plan') }} as plan,
        {{ customer_segmentation.as_text('opened_at') }} as opened_at_text,
        {{ customer_segmentation.business_timestamp('opened_at', source('raw', 'accounts')) }} as opened_at_parsed,
        {{ customer_segmentation.raw_values(['account_id', 'customer_id', 'plan', 'opened_at']) }} as raw_values
    from source

),

checked as (

    -- Keys reject an account; a bad opened_at only becomes null (recorded in rejected_values).
    select
        parsed.*,
        case
            when parsed.account_id is null then 'null account_id'
            when parsed.customer_id is null then 'null customer_id'
            when customers.customer_id is null then 'unknown customer_id'
        end as row_problem,
        case
            when parsed.opened_at_text is null then null
            when parsed.opened_at_parsed is null then 'unparseable opened_at'
            when cast(parsed.opened_at_parsed as date) < {{ customer_segmentation.earliest_valid_date() }}
                then 'opened_at before 1900-01-01'
            when cast(parsed.opened_at_parsed as date) > {{ customer_segmentation.build_run_date() }}
                then 'opened_at after run date'
        end as opened_at_problem,
        case
            when parsed.opened_at_text is null then null
            when parsed.opened_at_parsed is null then null
            when cast(parsed.opened_at_parsed as date) < {{ customer_segmentation.earliest_valid_date() }} then null
            when cast(parsed.opened_at_parsed as date) > {{ customer_segmentation.build_run_date() }} then null
            else parsed.opened_at_parsed
        end as opened_at
    from parsed
    left join customers
        on parsed.customer_id = customers.customer_id

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by account_id, case when row_problem is null then 0 else 1 end
            order by opened_at nulls last, raw_values
        ) as copy_number
    from checked

),

final as (

    select
        account_id,
        customer_id,
        plan,
        opened_at,
        raw_values,
        opened_at_text,
        opened_at_problem,
        case
            when row_problem is not null then row_problem
            when copy_number > 1 then 'duplicate account_id'
        end as rejection_reason
    from deduplicated

)

select * from final
