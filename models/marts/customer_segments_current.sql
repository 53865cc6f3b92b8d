{{ config(grants=customer_segmentation.sync_reader_grants()) }}
{#- The CRM table: one row per customer at the latest snapshot. `previous_segment` is the most recent
    segment different from the current one (what "became a Champion" needs; null while the customer has only
    had one), and `updated_at` is the as-of date at which a synced value last changed, the cursor of a
    reverse-ETL sync. -#}
{%- set synced_columns = [
    'segment', 'recommended_action', 'rfm_code', 'frequency', 'monetary', 'last_order_date'
] %}

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

history_changes as (

    -- Columns that move with the calendar alone (snapshot_date, as_of_date, recency_days,
    -- periods_in_segment) do not count as a change: a CRM derives them from last_order_date and
    -- segment_entered_date. previous_segment and segment_entered_date change only with segment.
    select
        customer_id,
        snapshot_date,
        as_of_date,
        lag(segment) over (partition by customer_id order by snapshot_date) as segment_before,
        {{ customer_segmentation.differs_from_previous_row(synced_columns) }} as is_changed
    from rfm_history

),

last_changes as (

    select
        customer_id,
        max(as_of_date) as updated_at
    from history_changes
    where is_changed
    group by customer_id

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
        -- The snapshot before the current run held the most recent different segment.
        segment_starts.segment_before as previous_segment,
        segment_runs.segment_entered_date,
        current_rows.rfm_code,
        current_rows.recency_score,
        current_rows.frequency_score,
        current_rows.monetary_score,
        current_rows.recency_days,
        current_rows.frequency,
        current_rows.monetary,
        current_rows.last_order_date,
        segment_runs.periods_in_segment,
        last_changes.updated_at
    from current_rows
    inner join segment_runs
        on current_rows.customer_id = segment_runs.customer_id
        and current_rows.snapshot_date = segment_runs.snapshot_date
    inner join history_changes as segment_starts
        on segment_runs.customer_id = segment_starts.customer_id
        and segment_runs.segment_entered_date = segment_starts.snapshot_date
    inner join last_changes
        on current_rows.customer_id = last_changes.customer_id

)

select * from final
