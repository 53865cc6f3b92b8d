-- Warns when there are product events but none is named var core_action_event: a misspelt name would
-- silently make every customer Dormant.
{{ config(enabled=customer_segmentation.events_enabled(), severity='warn') }}

with

events as (

    select * from {{ ref('stg_events') }}

),

counts as (

    select
        count(*) as events,
        sum(case when event_name = {{ customer_segmentation.core_action_event_literal() }} then 1 else 0 end)
            as core_actions
    from events

)

select * from counts
where events > 0
    and core_actions = 0
