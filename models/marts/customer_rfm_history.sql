{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ customer_segmentation.window_engine_drop_removed_snapshots(ref('int_rfm_periods')) }}",
    **customer_segmentation.family_history_incremental_config()
) }}
-- depends_on: {{ ref('rfm_segment_definitions') }}
-- depends_on: {{ ref('rfm_lapsed_segments') }}
-- depends_on: {{ ref('rfm_score_breaks') }}
{#- Point-in-time RFM scores on the window engine's totals: recency from the last completed order, frequency
    and monetary from the RFM window, ranked within each snapshot. Whole snapshots are rewritten, from the
    first one the engine rewrote since this model last ran, so ranks stay per snapshot. -#}
{%- set buckets = customer_segmentation.rfm_buckets() -%}
{%- set method = customer_segmentation.rfm_score_method() -%}
{%- set population = customer_segmentation.rfm_score_population() -%}
{#- With population `active`, rows outside it sit in the same window partitions as the scored ones; the
    population flag in the partition keeps them out of the ranking. -#}
{%- set score_partition_columns = ['snapshot_date', 'is_scored'] if population == 'active' else ['snapshot_date'] -%}
{%- set score_partition = score_partition_columns | join(', ') %}

with

snapshot_windows as (

    select * from {{ ref('int_customer_snapshot_windows') }}

),

recompute_from as (

    {{ customer_segmentation.recompute_start_from([ref('int_customer_snapshot_windows')]) }}

),

measured as (

    -- A customer's RFM history starts at the snapshot of their first completed order: before it there is
    -- no last order to measure recency from.
    select
        snapshot_windows.customer_id,
        snapshot_windows.snapshot_date,
        snapshot_windows.as_of_date,
        snapshot_windows.last_order_date,
        cast(
            {{ dbt.datediff('snapshot_windows.last_order_date', 'snapshot_windows.as_of_date', 'day') }}
            as integer
        ) as recency_days,
        cast(snapshot_windows.rfm_frequency as integer) as frequency,
        cast(snapshot_windows.rfm_monetary as {{ customer_segmentation.money_type() }}) as monetary
    from snapshot_windows
    cross join recompute_from
    where snapshot_windows.snapshot_date >= recompute_from.first_snapshot_date
        and snapshot_windows.last_order_date is not null

),

population as (

    -- Who is ranked (var rfm_score_population): with `active`, only customers with a completed order in
    -- the snapshot's window, so lapsed customers cannot crowd the low scores and push one-order customers
    -- into the top ones; with `all`, every customer with history. The others keep their measures and get
    -- no scores.
    select
        *,
        {{ customer_segmentation.rfm_in_score_population('frequency') }} as is_scored
    from measured

),

{% if method == 'percent_rank' -%}
score_population as (

    select * from population
    where is_scored

),

recency_ranks as (

    -- Recency and frequency take few distinct values per snapshot: ranking their value counts gives the same
    -- percent_rank as sorting every row (see macros/rank_counts.sql), at a fraction of the cost.
    {{ customer_segmentation.value_count_ranks('score_population', 'recency_days', 'desc') }}

),

frequency_ranks as (

    {{ customer_segmentation.value_count_ranks('score_population', 'frequency', 'asc') }}

),

scored as (

    -- Monetary values are nearly all distinct, so a sort is the cheapest way to rank them.
    select
        population.*,
        case when population.is_scored then {{ customer_segmentation.rfm_score_from_counts(
            'recency_ranks.rows_before', 'recency_ranks.partition_rows', buckets
        ) }} end as recency_score,
        case when population.is_scored then {{ customer_segmentation.rfm_score_from_counts(
            'frequency_ranks.rows_before', 'frequency_ranks.partition_rows', buckets
        ) }} end as frequency_score,
        case when population.is_scored then {{ customer_segmentation.rfm_score(
            'population.monetary', 'asc', buckets, method, partition_by='population.' ~ score_partition_columns | join(', population.')
        ) }} end as monetary_score
    from population
    left join recency_ranks
        on population.snapshot_date = recency_ranks.snapshot_date
        and population.recency_days = recency_ranks.recency_days
    left join frequency_ranks
        on population.snapshot_date = frequency_ranks.snapshot_date
        and population.frequency = frequency_ranks.frequency

),
{%- elif method == 'thresholds' -%}
scored as (

    -- Fixed breaks from seed rfm_score_breaks: the same in every snapshot, no ranking.
    select
        *,
        case when is_scored then {{ customer_segmentation.rfm_threshold_score('recency', 'recency_days', buckets) }} end
            as recency_score,
        case when is_scored then {{ customer_segmentation.rfm_threshold_score('frequency', 'frequency', buckets) }} end
            as frequency_score,
        case when is_scored then {{ customer_segmentation.rfm_threshold_score('monetary', 'monetary', buckets) }} end
            as monetary_score
    from population

),
{%- else -%}
scored as (

    select
        *,
        case when is_scored then {{ customer_segmentation.rfm_score(
            'recency_days', 'desc', buckets, method, partition_by=score_partition
        ) }} end as recency_score,
        case when is_scored then {{ customer_segmentation.rfm_score(
            'frequency', 'asc', buckets, method, partition_by=score_partition
        ) }} end as frequency_score,
        case when is_scored then {{ customer_segmentation.rfm_score(
            'monetary', 'asc', buckets, method, partition_by=score_partition
        ) }} end as monetary_score
    from population

),
{%- endif %}

segmented as (

    -- Outside the scored population: the segment the scheme names for lapsed customers in seed
    -- rfm_lapsed_segments.
    select
        *,
        case
            when recency_score is not null then {{ dbt.concat([
                dbt.cast('recency_score', dbt.type_string()),
                dbt.cast('frequency_score', dbt.type_string()),
                dbt.cast('monetary_score', dbt.type_string())
            ]) }}
        end as rfm_code,
        case
            when recency_score is null then '{{ customer_segmentation.rfm_lapsed_segment() | replace("'", "''") }}'
            else {{ customer_segmentation.rfm_segment_case('recency_score', 'frequency_score', 'monetary_score') }}
        end as segment
    from scored

),

final as (

    select
        customer_id,
        snapshot_date,
        as_of_date,
        last_order_date,
        recency_days,
        frequency,
        monetary,
        recency_score,
        frequency_score,
        monetary_score,
        rfm_code,
        segment,
        {{ customer_segmentation.rfm_segment_action_case('segment') }} as recommended_action,
        {{ customer_segmentation.run_computed_at() }} as computed_at
    from segmented

)

select * from final
