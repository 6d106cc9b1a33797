package report

// Schema is the JSON Schema (draft 2020-12) of data.json, made from the same
// table definitions that write it; docs/package-schema.json is its output
// and a test keeps data.json to it.
func Schema() map[string]any {
	tables := map[string]any{}
	var names []string
	for _, t := range Tables(&Dataset{}) {
		props := map[string]any{}
		var req []string
		for _, c := range t.Columns {
			props[c.Key] = columnSchema(c)
			req = append(req, c.Key)
		}
		tables[t.Name] = map[string]any{"type": "array", "description": "rows of csv/" + t.Name + ".csv and the sheet of the same table",
			"items": map[string]any{"type": "object", "required": req, "properties": props, "additionalProperties": false}}
		names = append(names, t.Name)
	}
	obj := func(desc string) map[string]any { return map[string]any{"type": "object", "description": desc} }
	return map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         "https://weerbaar.nl/schema/" + DataSchema + ".json",
		"title":       "Weerbaar evidence package data (data.json)",
		"description": "Everything in the package's tables, typed; see docs/package.md.",
		"type":        "object",
		"required":    []string{"schema", "meta", "registration", "risk_summary", "audit", "measure_reasons", "tables"},
		"properties": map[string]any{
			"schema":          map[string]any{"const": DataSchema},
			"meta":            obj("entity, NIS2 class with reasons, period, language, generated at, generator, catalogue edition"),
			"registration":    obj("the entity's registration data (Art. 3(4) and 27 NIS2)"),
			"risk_summary":    obj("the counting risk analysis with inherent and residual 5×5 heat maps, indexed [likelihood-1][impact-1]"),
			"audit":           obj("the audit chain's verification result and head, and counts per action in the period"),
			"measure_reasons": map[string]any{"type": "object", "description": "per measure code, why its target (the proportionality engine's contributions)", "additionalProperties": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}},
			"tables":          map[string]any{"type": "object", "required": names, "properties": tables, "additionalProperties": false},
		},
	}
}

func columnSchema(c Column) map[string]any {
	switch c.Type {
	case TypeInt:
		return map[string]any{"type": "integer"}
	case TypeDecimal:
		return map[string]any{"type": "number"}
	case TypeBool:
		return map[string]any{"type": "boolean"}
	case TypeDate:
		return map[string]any{"type": []string{"string", "null"}, "format": "date"}
	case TypeDateTime:
		return map[string]any{"type": []string{"string", "null"}, "format": "date-time"}
	case TypeHash:
		return map[string]any{"type": "string", "pattern": "^([0-9a-f]{64})?$"}
	}
	return map[string]any{"type": "string"}
}
