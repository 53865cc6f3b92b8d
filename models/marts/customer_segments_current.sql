with

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

),

with_previous as (

    select
        *,
        lag(segment) over (partition by customer_id order by snapshot_date) as previous_segment
    from rfm_history

),

segment_starts as (

    -- A run of snapshots in one segment starts where the segment differs from the snapshot before.
    select
        customer_id,
        max(snapshot_date) as segment_entered_date
    from with_previous
    where previous_segment is null
        or previous_segment <> segment
    group by customer_id

),

latest_snapshot as (

    select max(snapshot_date) as snapshot_date from rfm_history

),

current_rows as (

    select with_previous.*
    from with_previous
    inner join latest_snapshot
        on with_previous.snapshot_date = latest_snapshot.snapshot_date

),

final as (

    select
        current_rows.customer_id,
        current_rows.snapshot_date,
        current_rows.as_of_date,
        current_rows.segment,
        current_rows.recommended_action,
        current_rows.previous_segment,
        segment_starts.segment_entered_date,
        current_rows.rfm_code,
        current_rows.recency_score,
        current_rows.frequency_score,
        current_rows.monetary_score,
        current_rows.recency_days,
        current_rows.frequency,
        current_rows.monetary,
        current_rows.last_order_date
    from current_rows
    inner join segment_starts
        on current_rows.customer_id = segment_starts.customer_id

)

select * from final
