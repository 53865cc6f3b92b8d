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

current_rows as (

    select rfm_history.*
    from rfm_history
    inner join current_runs
        on rfm_history.customer_id = current_runs.customer_id
        and rfm_history.snapshot_date = current_runs.snapshot_date

),

final as (

    select
        current_rows.customer_id,
        current_rows.snapshot_date,
        current_rows.as_of_date,
        current_rows.segment,
        current_rows.recommended_action,
        current_runs.segment_before_run as previous_segment,
        current_runs.segment_entered_date,
        current_rows.rfm_code,
        current_rows.recency_score,
        current_rows.frequency_score,
        current_rows.monetary_score,
        current_rows.recency_days,
        current_rows.frequency,
        current_rows.monetary,
        current_rows.last_order_date,
        current_runs.periods_in_segment,
        last_changes.updated_at
    from current_rows
    inner join current_runs
        on current_rows.customer_id = current_runs.customer_id
    inner join last_changes
        on current_rows.customer_id = last_changes.customer_id

)

select * from final
