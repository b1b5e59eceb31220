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
//	@securityDefinitions.apikey	Bearer
//	@in							header
//	@name						Authorization
//	@description				Access token from /api/v1/auth/login, sent as `Bearer <token>`.
