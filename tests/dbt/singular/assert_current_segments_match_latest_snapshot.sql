with

history as (

    select * from {{ ref('customer_rfm_history') }}

),

latest_snapshot as (

    select max(snapshot_date) as snapshot_date from history

),

latest as (

    select history.*
    from history
    inner join latest_snapshot
        on history.snapshot_date = latest_snapshot.snapshot_date

),

current_segments as (

    select * from {{ ref('customer_segments_current') }}

)

select coalesce(latest.customer_id, current_segments.customer_id) as customer_id
from latest
full outer join current_segments
    on latest.customer_id = current_segments.customer_id
where latest.customer_id is null
    or current_segments.customer_id is null
    or latest.segment <> current_segments.segment
    -- rfm_code is null for customers outside the scored population (var rfm_score_population).
    or coalesce(latest.rfm_code, '-') <> coalesce(current_segments.rfm_code, '-')
    or current_segments.segment_entered_date > current_segments.snapshot_date
