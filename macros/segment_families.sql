{#- Vars and helpers of the segment families beyond RFM: behavioural (product events), lifecycle, value and
    health. Every var is validated when the project compiles, like the RFM vars; a threshold that would make
    a band unreachable (e.g. Established starting before Adopting) stops the build. -#}

{% macro events_enabled() -%}
    {%- set value = var('events_enabled', true) -%}
    {%- if value is not sameas true and value is not sameas false -%}
        {{ customer_segmentation.config_error('events_enabled', value, 'true or false (false when there is no events table)') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- Whether the optional raw `events` table exists (checked when the build runs; while parsing it is assumed,
    so the source stays in the graph). A project without it builds with the default vars: base_events is
    empty and says so once in the log, naming var events_enabled. -#}
{% macro events_source_found(log_missing=false) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set events = source('raw', 'events') -%}
    {%- set found = adapter.get_relation(database=events.database, schema=events.schema, identifier=events.identifier) -%}
    {%- if found is none and log_missing -%}
        {{ log(
            'No events table at ' ~ events ~ ': the behaviour models build empty and health scores use no usage. '
            ~ 'Set var events_enabled: false to skip them, or load the product events there.', info=true
        ) }}
    {%- endif -%}
    {{ return(found is not none) }}
{%- endmacro %}


{#- The raw tables that must reconcile with staging plus rejected rows. -#}
{% macro raw_source_tables() -%}
    {%- set tables = ['customers', 'accounts', 'products', 'orders'] -%}
    {%- if customer_segmentation.events_enabled() and customer_segmentation.events_source_found() -%}
        {%- do tables.append('events') -%}
    {%- endif -%}
    {{ return(tables) }}
{%- endmacro %}


{#- The core action's event name as a SQL literal, lower-cased like stg_events.event_name. -#}
{% macro core_action_event_literal() -%}
    {%- set value = var('core_action_event', 'core_action') -%}
    {%- if value is not string or value | trim == '' -%}
        {{ customer_segmentation.config_error('core_action_event', value, 'the event_name of the core action, e.g. core_action') }}
    {%- endif -%}
    {{ return("'" ~ (value | trim | lower | replace("'", "''")) ~ "'") }}
{%- endmacro %}


{% macro whole_number_var(var_name, default, minimum) -%}
    {%- set value = var(var_name, default) -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < minimum -%}
        {{ customer_segmentation.config_error(var_name, value, 'a whole number >= ' ~ minimum) }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}


{#- Checks that the named vars increase strictly in the given order. -#}
{% macro require_increasing(names, values) -%}
    {%- for index in range(1, values | length) -%}
        {%- if values[index] <= values[index - 1] -%}
            {{ customer_segmentation.config_error(names[index], values[index], 'a value above ' ~ names[index - 1] ~ ' (' ~ values[index - 1] ~ ')') }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}


{% macro behaviour_config() -%}
    {%- set config = {
        'window_days': customer_segmentation.whole_number_var('behaviour_window_days', 30, 7),
        'trialing_min_core_actions': customer_segmentation.whole_number_var('behaviour_trialing_min_core_actions', 1, 1),
        'engaged_min_core_actions': customer_segmentation.whole_number_var('behaviour_engaged_min_core_actions', 5, 1),
        'power_user_min_core_actions': customer_segmentation.whole_number_var('behaviour_power_user_min_core_actions', 20, 1),
        'power_user_min_active_weeks': customer_segmentation.whole_number_var('behaviour_power_user_min_active_weeks', 4, 1),
        'top_usage_share': customer_segmentation.share_var('behaviour_top_usage_share', 0.2),
    } -%}
    {%- do customer_segmentation.require_increasing(
        ['behaviour_trialing_min_core_actions', 'behaviour_engaged_min_core_actions', 'behaviour_power_user_min_core_actions'],
        [config.trialing_min_core_actions, config.engaged_min_core_actions, config.power_user_min_core_actions]
    ) -%}
    {{ return(config) }}
{%- endmacro %}


{% macro lifecycle_config() -%}
    {%- set config = {
        'adopting_days': customer_segmentation.whole_number_var('lifecycle_adopting_days', 30, 1),
        'established_days': customer_segmentation.whole_number_var('lifecycle_established_days', 90, 1),
        'mature_days': customer_segmentation.whole_number_var('lifecycle_mature_days', 365, 1),
        'at_risk_days': customer_segmentation.whole_number_var('lifecycle_at_risk_days', 30, 1),
        'churned_days': customer_segmentation.whole_number_var('lifecycle_churned_days', 90, 1),
    } -%}
    {%- do customer_segmentation.require_increasing(
        ['lifecycle_adopting_days', 'lifecycle_established_days', 'lifecycle_mature_days'],
        [config.adopting_days, config.established_days, config.mature_days]
    ) -%}
    {%- do customer_segmentation.require_increasing(
        ['lifecycle_at_risk_days', 'lifecycle_churned_days'], [config.at_risk_days, config.churned_days]
    ) -%}
    {{ return(config) }}
{%- endmacro %}


{% macro value_config() -%}
    {%- set config = {
        'window_months': customer_segmentation.rfm_window_months_var('value_window_months', 12),
        'smb_min_revenue': customer_segmentation.non_negative_number_var('value_smb_min_revenue', 1000),
        'mid_market_min_revenue': customer_segmentation.non_negative_number_var('value_mid_market_min_revenue', 10000),
        'enterprise_min_revenue': customer_segmentation.non_negative_number_var('value_enterprise_min_revenue', 50000),
    } -%}
    {%- do customer_segmentation.require_increasing(
        ['value_smb_min_revenue', 'value_mid_market_min_revenue', 'value_enterprise_min_revenue'],
        [config.smb_min_revenue, config.mid_market_min_revenue, config.enterprise_min_revenue]
    ) -%}
    {{ return(config) }}
{%- endmacro %}


{#- Health weights become whole numbers (thousandths) so the score is exact integer arithmetic on every
    engine. Without events, the usage and frequency components have no data and drop out. -#}
{% macro health_config() -%}
    {%- set components = ['usage', 'recency', 'frequency', 'revenue_trend', 'refunds'] -%}
    {%- set weights = customer_segmentation.weights_var('health_weights', components) -%}
    {%- set whole_weights = {} -%}
    {%- for component in components -%}
        {%- set weight = ((weights.get(component, 0) * 1000) | round | int) -%}
        {%- if weight > 0 and (customer_segmentation.events_enabled() or component not in ['usage', 'frequency']) -%}
            {%- do whole_weights.update({component: weight}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if whole_weights | length == 0 -%}
        {{ customer_segmentation.config_error('health_weights', weights, 'a positive weight on recency, revenue_trend or refunds when events_enabled is false') }}
    {%- endif -%}
    {%- set config = {
        'weights': whole_weights,
        'trend_days': customer_segmentation.whole_number_var('health_trend_days', 90, 1),
        'at_risk_min_score': customer_segmentation.whole_number_var('health_at_risk_min_score', 20, 1),
        'neutral_min_score': customer_segmentation.whole_number_var('health_neutral_min_score', 40, 1),
        'healthy_min_score': customer_segmentation.whole_number_var('health_healthy_min_score', 60, 1),
        'champions_min_score': customer_segmentation.whole_number_var('health_champions_min_score', 80, 1),
    } -%}
    {%- do customer_segmentation.require_increasing(
        ['health_at_risk_min_score', 'health_neutral_min_score', 'health_healthy_min_score', 'health_champions_min_score'],
        [config.at_risk_min_score, config.neutral_min_score, config.healthy_min_score, config.champions_min_score]
    ) -%}
    {%- if config.champions_min_score > 100 -%}
        {{ customer_segmentation.config_error('health_champions_min_score', config.champions_min_score, 'a whole number <= 100') }}
    {%- endif -%}
    {{ return(config) }}
{%- endmacro %}


{#- The CTE body that says from which snapshot an incremental run recomputes: the newest `lookback`
    snapshots already built in {{ this }} and everything after them; a full build starts at the beginning.
    Whole snapshots are replaced, so anything ranked within a snapshot stays correct. -#}
{% macro recompute_from_snapshot(lookback) -%}
    {%- if is_incremental() -%}
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
    {%- endif -%}
{%- endmacro %}


{#- floor(numerator / denominator) for whole numbers numerator >= 0 and denominator > 0, computed in
    integers so every engine gives the same digits. -#}
{% macro floor_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('floor_divide', 'customer_segmentation')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__floor_divide(numerator, denominator) -%}
    cast(floor(cast({{ numerator }} as decimal(38, 0)) / cast({{ denominator }} as decimal(38, 0))) as bigint)
{%- endmacro %}

{% macro duckdb__floor_divide(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) // cast({{ denominator }} as bigint))
{%- endmacro %}

{% macro postgres__floor_divide(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) / cast({{ denominator }} as bigint))
{%- endmacro %}

{% macro spark__floor_divide(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) div cast({{ denominator }} as bigint))
{%- endmacro %}


{#- A whole-number score 0..100: floor(100 * part / whole) for 0 <= part <= whole, whole > 0. -#}
{% macro percent_score(part, whole) -%}
    cast({{ customer_segmentation.floor_divide('100 * (' ~ part ~ ')', whole) }} as integer)
{%- endmacro %}


{#- A money amount as whole cents (exact for the two-decimal money type). -#}
{% macro cents(money_expression) -%}
    cast({{ money_expression }} * 100 as bigint)
{%- endmacro %}
