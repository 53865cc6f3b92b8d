{{ config(
    materialized='incremental',
    on_schema_change='fail',
    grants=customer_segmentation.sync_reader_grants(),
    meta={'merge_grain': ['customer_id', 'family', 'snapshot_date']},
    pre_hook="{{ customer_segmentation.delete_recomputed_changes(customer_segmentation.membership_changes_recompute_from(customer_segmentation.rfm_lookback_periods())) }}",
    **customer_segmentation.family_history_incremental_config()
) }}
{#- The change feed: one row per customer, family and snapshot at which the customer's segment in that family
    differs from the one they held one snapshot earlier, and one row for the first segment a customer gets in
    each family (from_segment null). Families: rfm (segment), behaviour (behaviour_segment; only with
    events), lifecycle (activity_status), value (value_band), health (health_band). Incremental like the
    histories it reads: the recomputed snapshots are replaced whole. -#}
{%- set events_enabled = customer_segmentation.events_enabled() -%}
{%- set lookback = customer_segmentation.rfm_lookback_periods() %}

with

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

),
{% if events_enabled %}
behaviour_history as (

    select * from {{ ref('customer_behaviour_history') }}

),
{% endif %}
lifecycle_history as (

    select * from {{ ref('customer_lifecycle_history') }}

),

value_history as (

    select * from {{ ref('customer_value_history') }}

),

health_history as (

    select * from {{ ref('customer_health_history') }}

),

transitions_to_watch as (

    select * from {{ ref('segment_transitions_to_watch') }}

),

recompute_from as (

    {{ customer_segmentation.membership_changes_recompute_from(lookback) }}

),

compare_from as (

    -- The snapshot before the first recomputed one: its segments are what the first recomputed snapshot is
    -- compared with. Histories run over consecutive periods, so it is the latest earlier snapshot.
    select max(lifecycle_history.snapshot_date) as snapshot_date
    from lifecycle_history
    cross join recompute_from
    where lifecycle_history.snapshot_date < recompute_from.first_snapshot_date

),

family_segments as (

    select
        'rfm' as family,
        customer_id,
        snapshot_date,
        as_of_date,
        segment
    from rfm_history

    {% if events_enabled -%}
    union all

    select
        'behaviour' as family,
        customer_id,
        snapshot_date,
        as_of_date,
        behaviour_segment as segment
    from behaviour_history
    {%- endif %}

    union all

    select
        'lifecycle' as family,
        customer_id,
        snapshot_date,
        as_of_date,
        activity_status as segment
    from lifecycle_history

    union all

    select
        'value' as family,
        customer_id,
        snapshot_date,
        as_of_date,
        value_band as segment
    from value_history

    union all

    select
        'health' as family,
        customer_id,
        snapshot_date,
        as_of_date,
        health_band as segment
    from health_history

),

compared_segments as (

    select family_segments.*
    from family_segments
    cross join compare_from
    where compare_from.snapshot_date is null
        or family_segments.snapshot_date >= compare_from.snapshot_date

),

with_previous as (

    select
        *,
        lag(segment) over (partition by family, customer_id order by snapshot_date) as from_segment
    from compared_segments

),

changes as (

    select with_previous.*
    from with_previous
    cross join recompute_from
    where with_previous.snapshot_date >= recompute_from.first_snapshot_date
        and (with_previous.from_segment is null or with_previous.from_segment <> with_previous.segment)

),

final as (

    select
        changes.family,
        changes.customer_id,
        changes.snapshot_date,
        changes.as_of_date,
        changes.from_segment,
        changes.segment as to_segment,
        case when transitions_to_watch.family is null then false else true end as is_watched,
        transitions_to_watch.signal as watch_signal,
        transitions_to_watch.recommended_action as watch_action
    from changes
    left join transitions_to_watch
        on changes.family = transitions_to_watch.family
        and changes.from_segment = transitions_to_watch.from_segment
        and changes.segment = transitions_to_watch.to_segment

)

select * from final
