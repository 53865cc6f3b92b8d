-- depends_on: {{ ref('rfm_segment_definitions') }}
-- depends_on: {{ ref('rfm_lapsed_segments') }}
-- depends_on: {{ ref('rfm_score_breaks') }}
-- Recompute every score from the stored values, ranking within each snapshot's scored population only, and
-- compare. Ranking across snapshots, or against a stale snapshot after an incremental run, would disagree
-- here. Customers outside the population (var rfm_score_population) have no scores, no code and the
-- scheme's lapsed segment; every customer inside it has all three scores.
{%- set buckets = customer_segmentation.rfm_buckets() -%}
{%- set method = customer_segmentation.rfm_score_method() %}

with

history as (

    select * from {{ ref('customer_rfm_history') }}

),

scored_population as (

    select * from history
    where {{ customer_segmentation.rfm_in_score_population('frequency') }}

),

recomputed as (

    select
        customer_id,
        snapshot_date,
        recency_score,
        frequency_score,
        monetary_score,
        {%- if method == 'thresholds' %}
        {{ customer_segmentation.rfm_threshold_score('recency', 'recency_days', buckets) }} as expected_recency_score,
        {{ customer_segmentation.rfm_threshold_score('frequency', 'frequency', buckets) }} as expected_frequency_score,
        {{ customer_segmentation.rfm_threshold_score('monetary', 'monetary', buckets) }} as expected_monetary_score
        {%- else %}
        {{ customer_segmentation.rfm_score('recency_days', 'desc', buckets, method) }} as expected_recency_score,
        {{ customer_segmentation.rfm_score('frequency', 'asc', buckets, method) }} as expected_frequency_score,
        {{ customer_segmentation.rfm_score('monetary', 'asc', buckets, method) }} as expected_monetary_score
        {%- endif %}
    from scored_population

),

score_errors as (

    select
        customer_id,
        snapshot_date,
        'score differs from its recomputation' as problem
    from recomputed
    where recency_score is null or frequency_score is null or monetary_score is null
        or recency_score <> expected_recency_score
        or frequency_score <> expected_frequency_score
        or monetary_score <> expected_monetary_score
        or recency_score < 1 or recency_score > {{ buckets }}
        or frequency_score < 1 or frequency_score > {{ buckets }}
        or monetary_score < 1 or monetary_score > {{ buckets }}

),

unscored_errors as (

    select
        customer_id,
        snapshot_date,
        'a customer outside the scored population has a score or a segment other than the lapsed one' as problem
    from history
    where not ({{ customer_segmentation.rfm_in_score_population('frequency') }})
        and (
            recency_score is not null
            or frequency_score is not null
            or monetary_score is not null
            or rfm_code is not null
            or segment <> '{{ customer_segmentation.rfm_lapsed_segment() | replace("'", "''") }}'
        )

)

select * from score_errors
union all
select * from unscored_errors
