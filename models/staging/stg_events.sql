{{ config(enabled=customer_segmentation.events_enabled()) }}

with

events as (

    select * from {{ ref('base_events') }}

),

final as (

    select
        event_id,
        customer_id,
        event_name,
        occurred_at,
        {{ customer_segmentation.to_date('occurred_at') }} as event_date
    from events
    where rejection_reason is null

)

select * from final
