{{ config(materialized='view') }}
{#- One row per snapshot: the fingerprint of every input its window-engine change rows are built from, so an
    incremental run finds the earliest snapshot whose inputs changed (late, corrected or re-statused rows and
    sign-up dates of any age) without building any change row. A snapshot sums, per window edge, the
    fingerprints of the dates that enter or leave a window there (int_window_dates: each date's counted
    orders, events and sign-ups; int_window_date_edges), plus its own calendar row. Changed data on a date
    changes every snapshot where that date enters or leaves a window, the earliest being where it enters:
    everything a snapshot's change rows are derived from (the first purchase day, the start marker, active
    weeks) moves only at or after the entering snapshot of a changed date. A view over two small tables. -#}
{%- set edges = ['entering'] -%}
{%- for window in customer_segmentation.window_engine_windows() -%}
{%- do edges.append('leaving_' ~ window) -%}
{%- endfor -%}

with

window_dates as (

    select * from {{ ref('int_window_dates') }}

),

date_edges as (

    select * from {{ ref('int_window_date_edges') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

edge_hashes as (
    {%- for edge in edges %}

    select
        date_edges.{{ edge }}_snapshot_date as snapshot_date,
        {{ customer_segmentation.row_hash(["'" ~ edge ~ "'", 'window_dates.inputs_fingerprint']) }} as edge_hash
    from window_dates
    inner join date_edges
        on window_dates.window_date = date_edges.window_date
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
