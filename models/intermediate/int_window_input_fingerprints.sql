{{ config(materialized='view') }}
{#- One row per snapshot: the fingerprint of every input its window-engine change rows are built from, so an
    incremental run finds the earliest snapshot whose inputs changed (late, corrected or re-statused rows and
    sign-up dates of any age) without building any change row. Each date's inputs (its customer-days and
    sign-ups) are hashed and summed into a date fingerprint; a snapshot sums, per window edge, the date
    fingerprints of the dates that enter or leave a window there (int_window_date_edges), plus its own
    calendar row. Changed data on a date changes every snapshot where that date enters or leaves a window,
    the earliest being where it enters: everything a snapshot's change rows are derived from (the first
    purchase day, the start marker, active weeks) moves only at or after the entering snapshot of a changed
    date. A view: one group-by over the customer-days, read once by the plan and once by the build. -#}
{%- set edges = [
    'entering',
    'leaving_rfm',
    'leaving_behaviour',
    'leaving_value',
    'leaving_recent',
    'leaving_prior',
] -%}

with

daily_activity as (

    select * from {{ ref('int_customer_daily_activity') }}

),

customers as (

    select * from {{ ref('stg_customers') }}

),

date_edges as (

    select * from {{ ref('int_window_date_edges') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

input_rows as (

    select
        activity_date as window_date,
        {{ customer_segmentation.row_hash([
            'customer_id',
            'activity_date',
            'events',
            'core_actions',
            'order_rows',
            'completed_orders',
            'net_revenue',
            'gross_revenue',
            'refunded_revenue',
            'is_active_day',
        ]) }} as row_hash
    from daily_activity

    union all

    select
        {{ customer_segmentation.to_date('created_at') }} as window_date,
        {{ customer_segmentation.row_hash(['customer_id', 'created_at']) }} as row_hash
    from customers
    where created_at is not null

),

date_fingerprints as (

    select
        window_date,
        {{ customer_segmentation.fingerprint_total('row_hash') }} as date_fingerprint
    from input_rows
    group by window_date

),

edge_hashes as (
    {%- for edge in edges %}

    select
        date_edges.{{ edge }}_snapshot_date as snapshot_date,
        {{ customer_segmentation.row_hash(["'" ~ edge ~ "'", 'date_fingerprints.date_fingerprint']) }} as edge_hash
    from date_fingerprints
    inner join date_edges
        on date_fingerprints.window_date = date_edges.window_date
    where date_edges.{{ edge }}_snapshot_date is not null

    union all
    {%- endfor %}

    -- The snapshot's own calendar row: a moved as-of date or window changes it even where no date moves.
    select
        snapshot_date,
        {{ customer_segmentation.row_hash(['snapshot_date', 'as_of_date', 'window_start_date']) }} as edge_hash
    from periods

),

final as (

    select
        snapshot_date,
        {{ customer_segmentation.fingerprint_total('edge_hash') }} as inputs_fingerprint
    from edge_hashes
    group by snapshot_date

)

select * from final
