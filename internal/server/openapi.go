package server

// The general description of the OpenAPI document, read by swag.
//
//	@title						Shangyun API
//	@version					1.0
//	@description				JSON REST API of the enterprise cloud adoption public service platform
//	@description				(企业上云公共服务平台): enterprises register, get certified, claim subsidies
//	@description				and buy cloud products from approved providers. Errors are RFC 9457
//	@description				problem details with a stable `code`; messages are Chinese by default and
//	@description				English with `Accept-Language: en`. Money is integer fen in `_fen` fields.
//	@description
//	@description				Orders follow this transition table; anything else is 409 invalid_transition:
//	@description
//	@description				| role | from | action | to | file |
//	@description				| --- | --- | --- | --- | --- |
//	@description				| provider | submitted | upload_contract | contract_pending | contract |
//	@description				| provider | contract_rejected | upload_contract | contract_pending | contract |
//	@description				| enterprise | contract_pending | agree_contract | in_progress | — |
//	@description				| enterprise | contract_pending | reject_contract | contract_rejected | — |
//	@description				| provider | in_progress | upload_completion_report | completion_reported | completion_report |
//	@description				| provider | completion_reported | upload_invoice | completed | invoice |
//	@description				| enterprise | submitted | cancel | cancelled | — |
//	@description				| enterprise | contract_pending | cancel | cancelled | — |
//	@description				| enterprise | contract_rejected | cancel | cancelled | — |
//	@description				| provider | submitted | cancel | cancelled | — |
//	@description				| provider | contract_pending | cancel | cancelled | — |
//	@description				| provider | contract_rejected | cancel | cancelled | — |
//	@securityDefinitions.apikey	Bearer
//	@in							header
//	@name						Authorization
//	@description				Access token from /api/v1/auth/login, sent as `Bearer <token>`.
