{#- on-run-start: every var checked in one place before any node runs, reusing the per-var macros the models
    call, so a wrong value stops the build with a message naming the var, the value and what is allowed
    (and no model half-runs with it). The models keep calling the same macros, so `dbt parse` and
    `dbt compile` refuse a wrong value too. Returns no SQL. -#}
{% macro validate_vars() -%}
    {%- do customer_segmentation.raw_schema_name() -%}
    {#- RFM history -#}
    {%- do customer_segmentation.rfm_grain() -%}
    {%- do customer_segmentation.rfm_window_months() -%}
    {%- do customer_segmentation.rfm_score_method() -%}
    {%- do customer_segmentation.rfm_score_population() -%}
    {%- do customer_segmentation.rfm_max_score_share() -%}
    {%- do customer_segmentation.rfm_lookback_periods() -%}
    {%- do customer_segmentation.rfm_as_of_date_literal() -%}
    {%- do customer_segmentation.business_timezone() -%}
    {%- do customer_segmentation.orders_version_column() -%}
    {%- do customer_segmentation.rfm_segment_scheme() -%}
    {%- set buckets = var('rfm_buckets') -%}
    {%- if buckets is not none and (not customer_segmentation.is_whole_number(buckets) or buckets < 2 or buckets > 10) -%}
        {{ customer_segmentation.config_error('rfm_buckets', buckets, 'a whole number from 2 to 10, or null for the scheme\'s own count') }}
    {%- endif -%}
    {%- set definitions = customer_segmentation.loaded_seed('rfm_segment_definitions') if execute else none -%}
    {%- if definitions is not none -%}
        {#- The scheme must be in the seed, and rfm_buckets must match its grid. A hook cannot ref() a seed,
            so the relation is looked up; before the first `dbt seed` the models check this when they render
            the segment CASE (rfm_scheme_rows). -#}
        {%- set scheme = customer_segmentation.rfm_segment_scheme() -%}
        {%- set schemes = run_query("select scheme, max(buckets) as buckets from " ~ definitions ~ " group by scheme order by scheme") -%}
        {%- set scheme_buckets = dict(schemes.rows | map('list') | list) -%}
        {%- if scheme not in scheme_buckets -%}
            {{ customer_segmentation.config_error('rfm_segment_scheme', scheme, 'one of the schemes in seed rfm_segment_definitions: ' ~ scheme_buckets.keys() | sort | join(', ')) }}
        {%- endif -%}
        {%- if buckets is not none and (buckets | int) != (scheme_buckets[scheme] | int) -%}
            {{ customer_segmentation.config_error('rfm_buckets', buckets, (scheme_buckets[scheme] | int) ~ ' for scheme ' ~ scheme ~ ' (its cells cover a ' ~ (scheme_buckets[scheme] | int) ~ '-bucket grid), or null') }}
        {%- endif -%}
    {%- endif -%}
    {%- do customer_segmentation.rfm_min_customers_per_snapshot() -%}
    {%- do customer_segmentation.rfm_min_distinct_scores(10) -%}
    {#- Bad input -#}
    {%- set warn_share = customer_segmentation.share_var('rejected_rows_warn_share') -%}
    {%- set error_share = customer_segmentation.share_var('rejected_rows_error_share') -%}
    {%- if warn_share > error_share -%}
        {{ customer_segmentation.config_error('rejected_rows_warn_share', warn_share, 'a share at most rejected_rows_error_share (' ~ error_share ~ ')') }}
    {%- endif -%}
    {%- do customer_segmentation.share_var('max_publish_shrink_share') -%}
    {#- B2B tiers and action flags (the vars customer_tiers reads) -#}
    {%- do customer_segmentation.tier_config() -%}
    {#- Segment families -#}
    {%- if customer_segmentation.events_enabled() -%}
        {%- do customer_segmentation.core_action_event_literal() -%}
        {%- do customer_segmentation.behaviour_config() -%}
    {%- endif -%}
    {%- do customer_segmentation.lifecycle_config() -%}
    {%- do customer_segmentation.value_config() -%}
    {%- do customer_segmentation.health_config() -%}
{%- endmacro %}

