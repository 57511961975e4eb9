package entrypay

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an error. The values are the result codes of the Antom merchant API,
// which is the vocabulary merchants already know; the status (S/F/U) each one carries and
// its default message live in one table in package ams.
type ErrorCode string

// Error codes the gateway produces. Wallet-side failure codes (USER_BALANCE_NOT_ENOUGH,
// RISK_REJECT, …) pass through as ErrorCode values too.
const (
	EInvalid              ErrorCode = "PARAM_ILLEGAL"
	ENotFound             ErrorCode = "ORDER_NOT_EXIST"
	ERepeatInconsistent   ErrorCode = "REPEAT_REQ_INCONSISTENT"
	EStatusInvalid        ErrorCode = "ORDER_STATUS_INVALID"
	EOrderCanceled        ErrorCode = "ORDER_IS_CANCELED"
	EOrderClosed          ErrorCode = "ORDER_IS_CLOSED"
	ERefundAmountExceed   ErrorCode = "REFUND_AMOUNT_EXCEED"
	ERefundWindowExceed   ErrorCode = "REFUND_WINDOW_EXCEED"
	ECancelWindowExceed   ErrorCode = "CANCEL_WINDOW_EXCEED"
	ENoPayOptions         ErrorCode = "NO_PAY_OPTIONS"
	ECurrencyNotSupported ErrorCode = "CURRENCY_NOT_SUPPORT"
	EClientInvalid        ErrorCode = "CLIENT_INVALID"
	EKeyNotFound          ErrorCode = "KEY_NOT_FOUND"
	ESignatureInvalid     ErrorCode = "INVALID_SIGNATURE"
	ENoInterface          ErrorCode = "NO_INTERFACE_DEF"
	EMethodNotSupported   ErrorCode = "METHOD_NOT_SUPPORTED"
	EMediaType            ErrorCode = "MEDIA_TYPE_NOT_ACCEPTABLE"
	ERateLimited          ErrorCode = "REQUEST_TRAFFIC_EXCEED_LIMIT"
	EInProcess            ErrorCode = "PAYMENT_IN_PROCESS"
	EProcessFail          ErrorCode = "PROCESS_FAIL"
	// EMerchantStatus refuses the calls and payments of a merchant the operator disabled.
	EMerchantStatus ErrorCode = "INVALID_MERCHANT_STATUS"
	// EAccessDenied refuses a partner's call for a merchant it does not serve, outside
	// its Agent-Token's scopes, or with a token revoked or expired.
	EAccessDenied ErrorCode = "ACCESS_DENIED"
	// EMerchantNotRegistered refuses calls for a merchant whose registration is not
	// approved.
	EMerchantNotRegistered ErrorCode = "MERCHANT_NOT_REGISTERED"
	// EAmountLimit refuses a payment over one of the merchant's limits.
	EAmountLimit ErrorCode = "PAYMENT_AMOUNT_EXCEED_LIMIT"
	// EReportNotReady answers a report of a clearing day or batch not yet closed.
	EReportNotReady ErrorCode = "REPORT_NOT_READY"
	// ERecordNotFound answers an inquiry about a registration the partner does not have.
	ERecordNotFound ErrorCode = "RECORD_NOT_FOUND"
	// ERepeatRegistration refuses a registration of a referenceMerchantId the partner
	// already has under review or approved.
	ERepeatRegistration ErrorCode = "REPEAT_REGISTRATION"
	// EUnknown means the outcome is not known yet (the wallet side did not answer); the
	// caller retries with the same request id.
	EUnknown ErrorCode = "UNKNOWN_EXCEPTION"
	// EInternal is a fault of entrypay itself; its message is logged, never shown.
	EInternal ErrorCode = "SYSTEM_ERROR"
)

// Error is an error with a code from the vocabulary above and a message fit for the
// caller. Err, when set, is the underlying cause, for logs.
type Error struct {
	Code    ErrorCode
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, or EInternal.
func ErrorCodeOf(err error) ErrorCode {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the caller-facing message of err: the *Error's message, or a
// generic text for internal errors so that no detail leaks.
func ErrorMessage(err error) string {
	if e, ok := errors.AsType[*Error](err); ok && e.Code != EInternal {
		return e.Message
	}
	return "internal error; it has been logged"
}

// ErrNotFound is returned by Store lookups that find nothing.
var ErrNotFound = errors.New("not found")

// ErrWalletNoAnswer is wrapped by WalletSide errors after which the outcome on the wallet
// side is unknown (timeout, transport error, unverifiable or U answer).
var ErrWalletNoAnswer = errors.New("wallet side gave no definite answer")
