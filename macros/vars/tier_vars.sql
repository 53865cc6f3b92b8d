{#- The vars of the B2B tiers and action flags (customer_tiers), read and validated together. -#}

{% macro tier_config() -%}
    {%- set config = {
        'profitability_weights': customer_segmentation.weights_var('tier_profitability_weights', ['revenue_per_active_month', 'margin_per_active_month', 'margin_rate']),
        'adherence_weights': customer_segmentation.weights_var('tier_adherence_weights', ['active_months', 'orders_per_active_month', 'distinct_products', 'recency', 'tenure']),
        'lookback_months': customer_segmentation.window_months_var('tier_lookback_months'),
        'profitability_threshold': customer_segmentation.non_negative_number_var('tier_profitability_threshold'),
        'adherence_threshold': customer_segmentation.non_negative_number_var('tier_adherence_threshold'),
        'expansion_min_profitability': customer_segmentation.non_negative_number_var('flag_expansion_min_profitability'),
        'warning_days': customer_segmentation.non_negative_number_var('flag_warning_days'),
        'churn_risk_days': customer_segmentation.non_negative_number_var('flag_churn_risk_days'),
        'xsell_min_active_months': customer_segmentation.non_negative_number_var('flag_xsell_min_active_months'),
        'new_customer_months': customer_segmentation.non_negative_number_var('flag_new_customer_months'),
    } -%}
    {#- Scores are 0..100, so a threshold above 100 would leave its tier or flag empty. -#}
    {%- for name, key in [('tier_profitability_threshold', 'profitability_threshold'), ('tier_adherence_threshold', 'adherence_threshold'), ('flag_expansion_min_profitability', 'expansion_min_profitability')] -%}
        {%- if config[key] > 100 -%}
            {{ customer_segmentation.config_error(name, config[key], 'a score from 0 to 100') }}
        {%- endif -%}
    {%- endfor -%}
    {%- do customer_segmentation.require_increasing(
        ['flag_warning_days', 'flag_churn_risk_days'], [config.warning_days, config.churn_risk_days]
    ) -%}
    {{ return(config) }}
{%- endmacro %}
