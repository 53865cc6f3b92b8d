{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **customer_segmentation.family_history_incremental_config()
) }}
-- depends_on: {{ ref('rfm_segment_definitions') }}
-- depends_on: {{ ref('rfm_lapsed_segments') }}
-- depends_on: {{ ref('rfm_score_breaks') }}
{%- set buckets = customer_segmentation.rfm_buckets() -%}
{%- set method = customer_segmentation.rfm_score_method() -%}
{%- set population = customer_segmentation.rfm_score_population() -%}
{%- set lookback = customer_segmentation.rfm_lookback_periods() %}

with

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

period_activity as (

    select * from {{ ref('int_customer_period_activity') }}

),

recompute_from as (

    {% if is_incremental() -%}
    -- The newest periods already built are recomputed, so orders that arrived late but are dated in them
    -- are absorbed; every period after them is new. Whole snapshots are replaced, so ranks stay per snapshot.
    select coalesce(min(snapshot_date), cast('1900-01-01' as date)) as first_snapshot_date
    from (
        select
            snapshot_date,
            dense_rank() over (order by snapshot_date desc) as periods_back
        from (select distinct snapshot_date from {{ this }}) as built
    ) as built_periods
    where periods_back <= {{ lookback }}
    {%- else -%}
    select cast('1900-01-01' as date) as first_snapshot_date
    {%- endif %}

),

carried_in as (

    -- Window changes before the recomputed periods, summed once per customer, seed the running totals.
    -- A full build rolls every change forward, so one dated before the first completed order (a refund)
    -- counts exactly as it does after an incremental run.
    select
        period_activity.customer_id,
        sum(period_activity.frequency_change) as frequency,
        sum(period_activity.monetary_change) as monetary,
        max(period_activity.last_completed_order_date) as last_order_date
    from period_activity
    cross join recompute_from
    where period_activity.snapshot_date < recompute_from.first_snapshot_date
    group by period_activity.customer_id

),

window_changes as (

    -- The carried-in totals enter as one change dated before every recomputed period, so one running sum
    -- over the changes gives each snapshot's totals on a full build and on an incremental run alike.
    select
        period_activity.customer_id,
        period_activity.snapshot_date,
        period_activity.frequency_change,
        period_activity.monetary_change,
        period_activity.last_completed_order_date
    from period_activity
    cross join recompute_from
    where period_activity.snapshot_date >= recompute_from.first_snapshot_date

    union all

    select
        customer_id,
        cast('1900-01-01' as date) as snapshot_date,
        frequency as frequency_change,
        monetary as monetary_change,
        last_order_date as last_completed_order_date
    from carried_in

),

rolled_forward as (

    -- Running totals over a customer's change rows only (far fewer than customers x periods); each holds
    -- until the customer's next change.
    select
        customer_id,
        snapshot_date as change_snapshot_date,
        coalesce(
            lead(snapshot_date) over (partition by customer_id order by snapshot_date),
            cast('9999-12-31' as date)
        ) as next_change_snapshot_date,
        max(last_completed_order_date) over customer_to_date as last_order_date,
        sum(frequency_change) over customer_to_date as frequency,
        sum(monetary_change) over customer_to_date as monetary
    from window_changes
    window customer_to_date as (
        partition by customer_id
        order by snapshot_date
        rows between unbounded preceding and current row
    )

),

customer_periods as (

    -- Every period from a change up to the next one gets its totals: a join to the small periods table.
    -- A customer's history starts with the period of their first completed order, where the running
    -- maximum of completed order dates stops being null.
    select
        rolled_forward.customer_id,
        periods.snapshot_date,
        periods.as_of_date,
        rolled_forward.last_order_date,
        rolled_forward.frequency,
        rolled_forward.monetary
    from rolled_forward
    inner join periods
        on periods.snapshot_date >= rolled_forward.change_snapshot_date
        and periods.snapshot_date < rolled_forward.next_change_snapshot_date
    cross join recompute_from
    where periods.snapshot_date >= recompute_from.first_snapshot_date
        and rolled_forward.last_order_date is not null

),

measured as (

    select
        customer_id,
        snapshot_date,
        as_of_date,
        last_order_date,
        cast({{ dbt.datediff('last_order_date', 'as_of_date', 'day') }} as integer) as recency_days,
        cast(frequency as integer) as frequency,
        cast(monetary as {{ customer_segmentation.money_type() }}) as monetary
    from customer_periods

),

score_population as (

    -- Who is ranked (var rfm_score_population): with `active`, only customers with a completed order in
    -- the snapshot's window, so lapsed customers cannot crowd the low scores and push one-order customers
    -- into the top ones; with `all`, every customer with history.
    select * from measured
    where {{ customer_segmentation.rfm_in_score_population('frequency') }}

),

{% if method == 'percent_rank' -%}
recency_ranks as (

    -- Recency and frequency take few distinct values per snapshot: ranking their value counts gives the same
    -- percent_rank as sorting every row (see macros/rank_counts.sql), at a fraction of the cost.
    {{ customer_segmentation.value_count_ranks('score_population', 'recency_days', 'desc') }}

),

frequency_ranks as (

    {{ customer_segmentation.value_count_ranks('score_population', 'frequency', 'asc') }}

),

ranked_by_counts as (

    select
        score_population.customer_id,
        score_population.snapshot_date,
        score_population.as_of_date,
        score_population.last_order_date,
        score_population.recency_days,
        score_population.frequency,
        score_population.monetary,
        {{ customer_segmentation.rfm_score_from_counts(
            'recency_ranks.rows_before', 'recency_ranks.partition_rows', buckets
        ) }} as recency_score,
        {{ customer_segmentation.rfm_score_from_counts(
            'frequency_ranks.rows_before', 'frequency_ranks.partition_rows', buckets
        ) }} as frequency_score
    from score_population
    inner join recency_ranks
        on score_population.snapshot_date = recency_ranks.snapshot_date
        and score_population.recency_days = recency_ranks.recency_days
    inner join frequency_ranks
        on score_population.snapshot_date = frequency_ranks.snapshot_date
        and score_population.frequency = frequency_ranks.frequency

),

scored_population as (

    -- Monetary values are nearly all distinct, so a sort is the cheapest way to rank them.
    select
        *,
        {{ customer_segmentation.rfm_score('monetary', 'asc', buckets, method) }} as monetary_score
    from ranked_by_counts

),
{%- elif method == 'thresholds' -%}
scored_population as (

    -- Fixed breaks from seed rfm_score_breaks: the same in every snapshot, no ranking.
    select
        *,
        {{ customer_segmentation.rfm_threshold_score('recency', 'recency_days', buckets) }} as recency_score,
        {{ customer_segmentation.rfm_threshold_score('frequency', 'frequency', buckets) }} as frequency_score,
        {{ customer_segmentation.rfm_threshold_score('monetary', 'monetary', buckets) }} as monetary_score
    from score_population

),
{%- else -%}
scored_population as (

    select
        *,
        {{ customer_segmentation.rfm_score('recency_days', 'desc', buckets, method) }} as recency_score,
        {{ customer_segmentation.rfm_score('frequency', 'asc', buckets, method) }} as frequency_score,
        {{ customer_segmentation.rfm_score('monetary', 'asc', buckets, method) }} as monetary_score
    from score_population

),
{%- endif %}

scored as (

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
        monetary_score
    from scored_population
    {%- if population == 'active' %}

    union all

    -- Outside the scored population: measures kept, no scores (they were not ranked), and the segment the
    -- scheme names for lapsed customers in seed rfm_lapsed_segments.
    select
        customer_id,
        snapshot_date,
        as_of_date,
        last_order_date,
        recency_days,
        frequency,
        monetary,
        cast(null as integer) as recency_score,
        cast(null as integer) as frequency_score,
        cast(null as integer) as monetary_score
    from measured
    where not ({{ customer_segmentation.rfm_in_score_population('frequency') }})
    {%- endif %}

),

segmented as (

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
        {{ customer_segmentation.rfm_segment_action_case('segment') }} as recommended_action
    from segmented

)

select * from final
