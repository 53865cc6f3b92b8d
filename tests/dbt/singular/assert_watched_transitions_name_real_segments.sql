-- Every transition to watch names segments its family can produce, so a typo in the seed cannot silently
-- flag nothing. RFM rows may name the segments of any scheme, since the scheme is a var.
with

transitions_to_watch as (

    select * from {{ ref('segment_transitions_to_watch') }}

),

known_segments as (

    select
        'behaviour' as family,
        behaviour_segment as segment
    from {{ ref('behaviour_segment_definitions') }}
    union all
    select
        'lifecycle' as family,
        activity_status as segment
    from {{ ref('activity_status_definitions') }}
    union all
    select
        'value' as family,
        value_band as segment
    from {{ ref('value_band_definitions') }}
    union all
    select
        'health' as family,
        health_band as segment
    from {{ ref('health_band_definitions') }}
    union all
    select distinct
        'rfm' as family,
        segment
    from {{ ref('rfm_segment_definitions') }}
    union all
    select distinct
        'rfm' as family,
        segment
    from {{ ref('rfm_lapsed_segments') }}

)

select
    transitions_to_watch.family,
    transitions_to_watch.from_segment,
    transitions_to_watch.to_segment
from transitions_to_watch
left join known_segments as known_from
    on transitions_to_watch.family = known_from.family
    and transitions_to_watch.from_segment = known_from.segment
left join known_segments as known_to
    on transitions_to_watch.family = known_to.family
    and transitions_to_watch.to_segment = known_to.segment
where known_from.segment is null
    or known_to.segment is null
