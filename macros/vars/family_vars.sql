{#- The vars of the segment families beyond RFM: behavioural (product events), lifecycle, value and health.
    Each family's vars are read and validated together, as the family's model reads them; a threshold that
    would make a band unreachable (e.g. Established starting before Adopting) stops the build. -#}

{#- The core action's event name as a SQL literal, lower-cased like stg_events.event_name. -#}
{% macro core_action_event_literal() -%}
    {%- set value = var('core_action_event') -%}
    {%- if value is not string or value | trim == '' -%}
        {{ customer_segmentation.config_error('core_action_event', value, 'the event_name of the core action, e.g. core_action') }}
    {%- endif -%}
    {{ return("'" ~ (value | trim | lower | replace("'", "''")) ~ "'") }}
{%- endmacro %}


{% macro behaviour_config() -%}
    {%- set config = {
        'window_days': customer_segmentation.whole_number_var('behaviour_window_days', minimum=7),
        'trialing_min_core_actions': customer_segmentation.whole_number_var('behaviour_trialing_min_core_actions', minimum=1),
        'engaged_min_core_actions': customer_segmentation.whole_number_var('behaviour_engaged_min_core_actions', minimum=1),
        'power_user_min_core_actions': customer_segmentation.whole_number_var('behaviour_power_user_min_core_actions', minimum=1),
        'power_user_min_active_weeks': customer_segmentation.whole_number_var('behaviour_power_user_min_active_weeks', minimum=1),
        'top_usage_share': customer_segmentation.share_var('behaviour_top_usage_share'),
    } -%}
    {%- do customer_segmentation.require_increasing(
        ['behaviour_trialing_min_core_actions', 'behaviour_engaged_min_core_actions', 'behaviour_power_user_min_core_actions'],
        [config.trialing_min_core_actions, config.engaged_min_core_actions, config.power_user_min_core_actions]
    ) -%}
    {{ return(config) }}
{%- endmacro %}


{% macro lifecycle_config() -%}
    {%- set config = {
        'adopting_days': customer_segmentation.whole_number_var('lifecycle_adopting_days', minimum=1),
        'established_days': customer_segmentation.whole_number_var('lifecycle_established_days', minimum=1),
        'mature_days': customer_segmentation.whole_number_var('lifecycle_mature_days', minimum=1),
        'at_risk_days': customer_segmentation.whole_number_var('lifecycle_at_risk_days', minimum=1),
        'churned_days': customer_segmentation.whole_number_var('lifecycle_churned_days', minimum=1),
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
        'window_months': customer_segmentation.window_months_var('value_window_months'),
        'smb_min_revenue': customer_segmentation.non_negative_number_var('value_smb_min_revenue'),
        'mid_market_min_revenue': customer_segmentation.non_negative_number_var('value_mid_market_min_revenue'),
        'enterprise_min_revenue': customer_segmentation.non_negative_number_var('value_enterprise_min_revenue'),
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
        'trend_days': customer_segmentation.whole_number_var('health_trend_days', minimum=1),
        'at_risk_min_score': customer_segmentation.whole_number_var('health_at_risk_min_score', minimum=1),
        'neutral_min_score': customer_segmentation.whole_number_var('health_neutral_min_score', minimum=1),
        'healthy_min_score': customer_segmentation.whole_number_var('health_healthy_min_score', minimum=1),
        'champions_min_score': customer_segmentation.whole_number_var('health_champions_min_score', minimum=1),
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
