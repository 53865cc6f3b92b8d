{{ config(enabled=customer_segmentation.events_enabled()) }}

{%- set events_found = customer_segmentation.events_source_found(log_missing=true) %}

with

source as (

    {% if events_found -%}
    select * from {{ source('raw', 'events') }}
    {%- else -%}
    -- No events table: an empty one with the source's columns (see the log line naming events_enabled).
    select
        cast(null as {{ dbt.type_string() }}) as event_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as event_name,
        cast(null as {{ dbt.type_string() }}) as occurred_at
    where 1 = 0
    {%- endif %}

),

customers as (

    select customer_id from {{ ref('base_customers') }}
    where rejection_reason is null

),

parsed as (

    select
        {{ customer_segmentation.as_text('event_id') }} as event_id,
        {{ customer_segmentation.as_text('customer_id') }} as customer_id,
        lower({{ customer_segmentation.as_text('event_name') }}) as event_name,
        {{ customer_segmentation.as_text('occurred_at') }} as occurred_at_text,
        {{ customer_segmentation.business_timestamp('occurred_at', source('raw', 'events')) }} as occurred_at,
        {{ customer_segmentation.raw_values(['event_id', 'customer_id', 'event_name', 'occurred_at']) }} as raw_values
    from source

),

checked as (

    -- The first failing check names the reason, so each rejected row carries exactly one.
    select
        parsed.*,
        case
            when parsed.event_id is null then 'null event_id'
            when parsed.customer_id is null then 'null customer_id'
            when customers.customer_id is null then 'unknown customer_id'
            when parsed.event_name is null then 'null event_name'
            when parsed.occurred_at_text is null then 'null occurred_at'
            when parsed.occurred_at is null then 'unparseable occurred_at'
            when cast(parsed.occurred_at as date) < {{ customer_segmentation.earliest_valid_date() }}
                then 'occurred_at before 1900-01-01'
            when cast(parsed.occurred_at as date) > {{ customer_segmentation.build_run_date() }}
                then 'occurred_at after run date'
        end as row_problem
    from parsed
    left join customers
        on parsed.customer_id = customers.customer_id

),

deduplicated as (

    -- Exact and conflicting copies of an event_id alike keep one valid copy, chosen deterministically.
    select
        *,
        row_number() over (
            partition by event_id, case when row_problem is null then 0 else 1 end
            order by occurred_at, raw_values
        ) as copy_number
    from checked

),

final as (

    select
        event_id,
        customer_id,
        event_name,
        occurred_at,
        raw_values,
        case
            when row_problem is not null then row_problem
            when copy_number > 1 then 'duplicate event_id'
        end as rejection_reason
    from deduplicated

)

select * from final
