{{ config(materialized='view', enabled=customer_segmentation.events_enabled()) }}
{#- The product events the project counts, and the only place that says so: events dated up to the as-of
    date (no snapshot sees the future). A view, like int_orders_to_date: its readers aggregate it at once. -#}

with

events as (

    select * from {{ ref('stg_events') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        events.event_id,
        events.customer_id,
        events.event_name,
        events.occurred_at,
        events.event_date
    from events
    cross join as_of
    where events.event_date <= as_of.as_of_date

)

select * from final
