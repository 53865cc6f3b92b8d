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
    `percentile_rank_steps()` (n - 1 customers' steps, at least 1 so a lone customer scores 0, inverted 1). -#}
{% macro percentile_rank_steps() -%}
    (case when count(*) over () > 1 then count(*) over () - 1 else 1 end)
{%- endmacro %}


{% macro percentile_steps(value, inverted=false) -%}
    {%- if inverted -%}
        ({{ customer_segmentation.percentile_rank_steps() }} - (rank() over (order by {{ value }}) - 1))
    {%- else -%}
        (rank() over (order by {{ value }}) - 1)
    {%- endif -%}
{%- endmacro %}


{#- 100 x the weighted mean of percentile ranks (columns <feature>_rank over rank_steps), rounded half away
    from zero to two decimals. Weights become whole thousandths so the whole score is integer arithmetic, in
    bigint: rank() is a 32-bit int on Spark, and 100 x 1000 x rank passes 2^31 - 1 from rank 21,475 on. -#}
{% macro weighted_percentile_score(weights) -%}
    {%- set terms = [] -%}
    {%- set total = namespace(weight=0) -%}
    {%- for feature, weight in weights.items() -%}
        {%- set whole = ((weight * 1000) | round | int) -%}
        {%- if whole > 0 -%}
            {%- do terms.append(whole ~ ' * cast(' ~ feature ~ '_rank as bigint)') -%}
            {%- set total.weight = total.weight + whole -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if total.weight == 0 -%}
        {{ customer_segmentation.config_error('tier weights', weights, 'at least one weight of 0.001 or more') }}
    {%- endif -%}
    cast({{ customer_segmentation.round_ratio('100 * (' ~ terms | join(' + ') ~ ')', 'cast(rank_steps as bigint) * ' ~ total.weight, 2) }} as decimal(5, 2))
{%- endmacro %}
