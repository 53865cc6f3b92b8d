{{ config(grants=customer_segmentation.sync_reader_grants()) }}
{#- The CRM table: one row per customer at the latest snapshot. `previous_segment` is the most recent
    segment different from the current one (what "became a Champion" needs; null while the customer has only
    had one), and `updated_at` is the as-of date at which a synced value last changed, the cursor of a
    reverse-ETL sync. Runs, the latest snapshot and the synced changes come from int_customer_segment_runs,
    which every CRM table and transitions mart shares. -#}

with

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

),

segment_runs as (

    select * from {{ ref('int_customer_segment_runs') }}

),

rfm_runs as (

    select *
    from segment_runs
    where family = 'rfm'

),

last_changes as (

    -- Only the synced columns count (int_customer_segment_runs names them): those that move with the calendar
    -- alone (recency_days, periods_in_segment) a CRM derives from last_order_date and segment_entered_date.
    select
        customer_id,
        max(as_of_date) as updated_at
    from rfm_runs
    where is_synced_change
    group by customer_id

),

current_runs as (

    select *
    from rfm_runs
    where is_latest_snapshot

),

final as (

    select
        rfm_history.customer_id,
        rfm_history.snapshot_date,
        rfm_history.as_of_date,
        rfm_history.segment,
        rfm_history.recommended_action,
        current_runs.segment_before_run as previous_segment,
        current_runs.segment_entered_date,
        rfm_history.rfm_code,
        rfm_history.recency_score,
        rfm_history.frequency_score,
        rfm_history.monetary_score,
        rfm_history.recency_days,
        rfm_history.frequency,
        rfm_history.monetary,
        rfm_history.last_order_date,
        current_runs.periods_in_segment,
        last_changes.updated_at
    from current_runs
    inner join rfm_history
        on current_runs.customer_id = rfm_history.customer_id
        and current_runs.snapshot_date = rfm_history.snapshot_date
    inner join last_changes
        on current_runs.customer_id = last_changes.customer_id

)

select * from final
