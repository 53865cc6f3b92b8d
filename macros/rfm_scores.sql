{#- Scores 1..N are computed within one snapshot only. `better_first_order` is the ordering in which a
    better customer sorts later (recency_days desc, frequency asc, monetary asc), so the best get N. -#}

{% macro rfm_score(value, direction, buckets, method, partition_by='snapshot_date', tiebreak='customer_id') -%}
    {%- if method == 'percent_rank' -%}
        {#- percent_rank gives equal values an equal rank, hence an equal score; the cap puts pct = 1 into N. -#}
        cast(least(
            {{ buckets }},
            1 + floor(percent_rank() over (partition by {{ partition_by }} order by {{ value }} {{ direction }}) * {{ buckets }})
        ) as integer)
    {%- elif method == 'ntile' -%}
        cast(ntile({{ buckets }}) over (partition by {{ partition_by }} order by {{ value }} {{ direction }}, {{ tiebreak }}) as integer)
    {%- else -%}
        {{ customer_segmentation.config_error('rfm_score_method', method, 'percent_rank, ntile') }}
    {%- endif -%}
{%- endmacro %}


{#- percent_rank() as an exact fraction: the numerator `percentile_steps(value)` over the shared denominator
    `percentile_rank_steps()` (n - 1 customers' steps, at least 1 so a lone customer scores 0, inverted 1).
    `partition_by` ranks within groups (e.g. customers with and without cost data) instead of over everyone. -#}
{% macro percentile_rank_steps(partition_by=none) -%}
    {%- set over = '(partition by ' ~ partition_by ~ ')' if partition_by else '()' -%}
    (case when count(*) over {{ over }} > 1 then count(*) over {{ over }} - 1 else 1 end)
{%- endmacro %}


{% macro percentile_steps(value, inverted=false, partition_by=none) -%}
    {%- set partition = 'partition by ' ~ partition_by ~ ' ' if partition_by else '' -%}
    {%- if inverted -%}
        ({{ customer_segmentation.percentile_rank_steps(partition_by) }} - (rank() over ({{ partition }}order by {{ value }}) - 1))
    {%- else -%}
        (rank() over ({{ partition }}order by {{ value }}) - 1)
    {%- endif -%}
{%- endmacro %}


{#- 100 x the weighted mean of percentile ranks (columns <feature><rank_suffix> over `steps`), rounded half away
    from zero to two decimals. Weights become whole thousandths so the whole score is integer arithmetic, in
    bigint: rank() is a 32-bit int on Spark, and 100 x 1000 x rank passes 2^31 - 1 from rank 21,475 on. -#}
{% macro weighted_percentile_score(weights, steps='rank_steps', rank_suffix='_rank') -%}
    {%- set terms = [] -%}
    {%- set total = namespace(weight=0) -%}
    {%- for feature, weight in weights.items() -%}
        {%- set whole = ((weight * 1000) | round | int) -%}
        {%- if whole > 0 -%}
            {%- do terms.append(whole ~ ' * cast(' ~ feature ~ rank_suffix ~ ' as bigint)') -%}
            {%- set total.weight = total.weight + whole -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if total.weight == 0 -%}
        {{ customer_segmentation.config_error('tier weights', weights, 'at least one weight of 0.001 or more') }}
    {%- endif -%}
    cast({{ customer_segmentation.round_ratio('100 * (' ~ terms | join(' + ') ~ ')', 'cast(' ~ steps ~ ' as bigint) * ' ~ total.weight, 2) }} as decimal(5, 2))
{%- endmacro %}


{#- Fixed-break scores (var rfm_score_method = 'thresholds'): the score whose half-open range
    [min_value, max_value) in seed rfm_score_breaks holds the value (an empty bound is open-ended; the shipped seed uses the money type's limits). The same
    breaks apply in every snapshot, so a score means the same number of days, orders or revenue every month.
    The CASE is rendered from the seed at run time: editing the seed changes the breaks without touching SQL. -#}
{% macro rfm_threshold_score(dimension, value, buckets) -%}
    {%- if not execute -%}
        cast(null as integer)
    {%- else -%}
    {%- set breaks = customer_segmentation.seed_relation('rfm_score_breaks') -%}
    {%- set rows = run_query(
        "select score, min_value, max_value from " ~ breaks
        ~ " where dimension = '" ~ dimension ~ "' and buckets = " ~ (buckets | int) ~ " order by score"
    ).rows -%}
    {%- if rows | length != (buckets | int) -%}
        {{ customer_segmentation.config_error('rfm_score_method', 'thresholds', 'seed rfm_score_breaks must have ' ~ buckets ~ ' rows for dimension ' ~ dimension ~ ' and buckets = ' ~ buckets ~ ' (it has ' ~ rows | length ~ ')') }}
    {%- endif -%}
    cast(case
        {%- for row in rows %}
        when {% if row['min_value'] is not none %}{{ value }} >= {{ row['min_value'] }}{% else %}1 = 1{% endif %}
            and {% if row['max_value'] is not none %}{{ value }} < {{ row['max_value'] }}{% else %}1 = 1{% endif %}
            then {{ row['score'] | int }}
        {%- endfor %}
    end as integer)
    {%- endif -%}
{%- endmacro %}


{#- Whether a row of `customer_rfm_history`'s measures is in the scored population (var rfm_score_population):
    `active` scores only customers with a completed order in the window; `all` every customer with history. -#}
{% macro rfm_in_score_population(frequency='frequency') -%}
    {%- if customer_segmentation.rfm_score_population() == 'active' -%}
        {{ frequency }} > 0
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
