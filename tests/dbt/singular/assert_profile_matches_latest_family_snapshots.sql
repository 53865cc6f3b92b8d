-- customer_profile_current is the latest snapshot of every family, one row per customer, and its RFM
-- columns come from customer_segments_current.
{%- set events_enabled = customer_segmentation.events_enabled() %}

with

profiles as (

    select * from {{ ref('customer_profile_current') }}

),

lifecycle_history as (

    select * from {{ ref('customer_lifecycle_history') }}

),

health_history as (

    select * from {{ ref('customer_health_history') }}

),

value_history as (

    select * from {{ ref('customer_value_history') }}

),
{% if events_enabled %}
behaviour_history as (

    select * from {{ ref('customer_behaviour_history') }}

),
{% endif %}
rfm_segments as (

    select * from {{ ref('customer_segments_current') }}

),

latest_snapshot as (

    select max(snapshot_date) as snapshot_date from lifecycle_history

),

latest as (

    select
        lifecycle_history.customer_id,
        lifecycle_history.snapshot_date,
        lifecycle_history.activity_status,
        health_history.health_band,
        value_history.value_band{% if events_enabled %},
        behaviour_history.behaviour_segment{% endif %}
    from lifecycle_history
    inner join health_history
        on lifecycle_history.customer_id = health_history.customer_id
        and lifecycle_history.snapshot_date = health_history.snapshot_date
    inner join value_history
        on lifecycle_history.customer_id = value_history.customer_id
        and lifecycle_history.snapshot_date = value_history.snapshot_date
    {% if events_enabled -%}
    inner join behaviour_history
        on lifecycle_history.customer_id = behaviour_history.customer_id
        and lifecycle_history.snapshot_date = behaviour_history.snapshot_date
    {% endif -%}
    inner join latest_snapshot
        on lifecycle_history.snapshot_date = latest_snapshot.snapshot_date

)

select coalesce(latest.customer_id, profiles.customer_id) as customer_id
from latest
full outer join profiles
    on latest.customer_id = profiles.customer_id
left join rfm_segments
    on profiles.customer_id = rfm_segments.customer_id
where latest.customer_id is null
    or profiles.customer_id is null
    or latest.snapshot_date <> profiles.snapshot_date
    or latest.activity_status <> profiles.activity_status
    or latest.health_band <> profiles.health_band
    or latest.value_band <> profiles.value_band
    {% if events_enabled -%}
    or latest.behaviour_segment <> profiles.behaviour_segment
    {% endif -%}
    or coalesce(rfm_segments.segment, '-') <> coalesce(profiles.rfm_segment, '-')
