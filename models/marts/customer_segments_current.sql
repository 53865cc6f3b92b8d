with

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

),

segment_runs as (

    select * from {{ ref('int_customer_segment_runs') }}

),

latest_snapshot as (

    select max(snapshot_date) as snapshot_date from rfm_history

),

current_rows as (

    select rfm_history.*
    from rfm_history
    inner join latest_snapshot
        on rfm_history.snapshot_date = latest_snapshot.snapshot_date

),

final as (

    select
        current_rows.customer_id,
        current_rows.snapshot_date,
        current_rows.as_of_date,
        current_rows.segment,
        current_rows.recommended_action,
        segment_runs.previous_segment,
        segment_runs.segment_entered_date,
        current_rows.rfm_code,
        current_rows.recency_score,
        current_rows.frequency_score,
        current_rows.monetary_score,
        current_rows.recency_days,
        current_rows.frequency,
        current_rows.monetary,
        current_rows.last_order_date,
        segment_runs.periods_in_segment
    from current_rows
    inner join segment_runs
        on current_rows.customer_id = segment_runs.customer_id
        and current_rows.snapshot_date = segment_runs.snapshot_date

)

select * from final
