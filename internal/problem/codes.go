package problem

import "net/http"

// The stable codes of the API. Clients switch on these; never rename one.
const (
	CodeMalformedBody         = "malformed_body"
	CodeIdempotencyKeyMissing = "idempotency_key_missing"
	CodeUnauthenticated       = "unauthenticated"
	CodeForbidden             = "forbidden"
	CodeAccountDisabled       = "account_disabled"
	CodeCertificationRequired = "certification_required"
	CodeNotFound              = "not_found"
	CodeMethodNotAllowed      = "method_not_allowed"
	CodeInvalidTransition     = "invalid_transition"
	CodeAlreadyDecided        = "already_decided"
	CodeAlreadyClaimed        = "already_claimed"
	CodeOfferDeclined         = "offer_declined"
	CodeBudgetExhausted       = "budget_exhausted"
	CodePolicyNotActive       = "policy_not_active"
	CodePriceChanged          = "price_changed"
	CodeLineUnavailable       = "line_unavailable"
	CodeAlreadyEvaluated      = "already_evaluated"
	CodeUsernameTaken         = "username_taken"
	CodeEmailTaken            = "email_taken"
	CodePhoneTaken            = "phone_taken"
	CodeCreditCodeTaken       = "credit_code_taken"
	CodeProfileLocked         = "profile_locked"
	CodeProviderNotApproved   = "provider_not_approved"
	CodeUnpublishedByAdmin    = "unpublished_by_admin"
	CodeIdempotencyInFlight   = "idempotency_in_flight"
	CodePayloadTooLarge       = "payload_too_large"
	CodeValidationFailed      = "validation_failed"
	CodeUnsupportedFileType   = "unsupported_file_type"
	CodeIdempotencyKeyReused  = "idempotency_key_reused"
	CodeRateLimited           = "rate_limited"
	CodeAccountLocked         = "account_locked"
	CodeUnavailable           = "unavailable"
	CodeInternal              = "internal"
)

// Kind is what the HTTP layer needs to know of a code.
type Kind struct {
	Status int
	Title  Text
}

// Kinds maps every code to its status and title. A code missing here is a
// programming error and is answered as internal.
var Kinds = map[string]Kind{
	CodeMalformedBody:         {http.StatusBadRequest, Text{"请求体不是有效的 JSON", "Malformed request body"}},
	CodeIdempotencyKeyMissing: {http.StatusBadRequest, Text{"缺少 Idempotency-Key", "Idempotency-Key missing"}},
	CodeUnauthenticated:       {http.StatusUnauthorized, Text{"未登录", "Unauthenticated"}},
	CodeForbidden:             {http.StatusForbidden, Text{"无权访问", "Forbidden"}},
	CodeAccountDisabled:       {http.StatusForbidden, Text{"账号已停用", "Account disabled"}},
	CodeCertificationRequired: {http.StatusForbidden, Text{"需要企业认证", "Certification required"}},
	CodeNotFound:              {http.StatusNotFound, Text{"未找到", "Not found"}},
	CodeMethodNotAllowed:      {http.StatusMethodNotAllowed, Text{"不支持的请求方法", "Method not allowed"}},
	CodeInvalidTransition:     {http.StatusConflict, Text{"当前状态不允许此操作", "Invalid transition"}},
	CodeAlreadyDecided:        {http.StatusConflict, Text{"已审核", "Already decided"}},
	CodeAlreadyClaimed:        {http.StatusConflict, Text{"已领取", "Already claimed"}},
	CodeOfferDeclined:         {http.StatusConflict, Text{"已放弃优惠资格", "Offer declined"}},
	CodeBudgetExhausted:       {http.StatusConflict, Text{"政策预算已用完", "Budget exhausted"}},
	CodePolicyNotActive:       {http.StatusConflict, Text{"政策未生效", "Policy not active"}},
	CodePriceChanged:          {http.StatusConflict, Text{"价格已变化", "Price changed"}},
	CodeLineUnavailable:       {http.StatusConflict, Text{"商品不可购买", "Line unavailable"}},
	CodeAlreadyEvaluated:      {http.StatusConflict, Text{"已评价", "Already evaluated"}},
	CodeUsernameTaken:         {http.StatusConflict, Text{"用户名已被占用", "Username taken"}},
	CodeEmailTaken:            {http.StatusConflict, Text{"邮箱已被占用", "Email taken"}},
	CodePhoneTaken:            {http.StatusConflict, Text{"手机号已被占用", "Phone taken"}},
	CodeCreditCodeTaken:       {http.StatusConflict, Text{"统一社会信用代码已被认证", "Credit code taken"}},
	CodeProfileLocked:         {http.StatusConflict, Text{"资料已锁定", "Profile locked"}},
	CodeProviderNotApproved:   {http.StatusConflict, Text{"服务商尚未通过审核", "Provider not approved"}},
	CodeUnpublishedByAdmin:    {http.StatusConflict, Text{"已被管理员下架", "Unpublished by admin"}},
	CodeIdempotencyInFlight:   {http.StatusConflict, Text{"相同请求正在处理", "Idempotent request in flight"}},
	CodePayloadTooLarge:       {http.StatusRequestEntityTooLarge, Text{"请求体过大", "Payload too large"}},
	CodeValidationFailed:      {http.StatusUnprocessableEntity, Text{"校验失败", "Validation failed"}},
	CodeUnsupportedFileType:   {http.StatusUnprocessableEntity, Text{"文件类型不支持", "Unsupported file type"}},
	CodeIdempotencyKeyReused:  {http.StatusUnprocessableEntity, Text{"Idempotency-Key 已用于其他请求", "Idempotency key reused"}},
	CodeRateLimited:           {http.StatusTooManyRequests, Text{"请求过于频繁", "Rate limited"}},
	CodeAccountLocked:         {http.StatusTooManyRequests, Text{"账号已临时锁定", "Account locked"}},
	CodeUnavailable:           {http.StatusServiceUnavailable, Text{"服务不可用", "Service unavailable"}},
	CodeInternal:              {http.StatusInternalServerError, Text{"服务器内部错误", "Internal error"}},
}
