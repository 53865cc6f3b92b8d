-- Time in segment agrees with the entry date: periods_in_segment is the number of snapshots from
-- segment_entered_date through the current one.
with

current_segments as (

    select * from {{ ref('customer_segments_current') }}

),

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

),

snapshots_since_entry as (

    select
        current_segments.customer_id,
        current_segments.periods_in_segment,
        count(*) as snapshots
    from current_segments
    inner join rfm_history
        on current_segments.customer_id = rfm_history.customer_id
        and current_segments.segment_entered_date <= rfm_history.snapshot_date
    group by
        current_segments.customer_id,
        current_segments.periods_in_segment

)

select *
from snapshots_since_entry
where periods_in_segment <> snapshots
