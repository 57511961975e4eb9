package ams

import (
	"github.com/entrypay/entrypay"
)

// Result statuses.
const (
	StatusSuccess = "S"
	StatusFail    = "F"
	StatusUnknown = "U"
)

// resultStatus is the one table that says which status each result code carries. Codes
// not listed are failures (F): that is what the wallet side's own refusal codes are.
var resultStatus = map[entrypay.ErrorCode]string{
	"SUCCESS":                       StatusSuccess,
	entrypay.EUnknown:               StatusUnknown,
	entrypay.EInProcess:             StatusUnknown,
	entrypay.ERateLimited:           StatusUnknown,
	entrypay.EInternal:              StatusUnknown,
	entrypay.EInvalid:               StatusFail,
	entrypay.ENotFound:              StatusFail,
	entrypay.ERepeatInconsistent:    StatusFail,
	entrypay.EStatusInvalid:         StatusFail,
	entrypay.EOrderCanceled:         StatusFail,
	entrypay.EOrderClosed:           StatusFail,
	entrypay.ERefundAmountExceed:    StatusFail,
	entrypay.ERefundWindowExceed:    StatusFail,
	entrypay.ECancelWindowExceed:    StatusFail,
	entrypay.ENoPayOptions:          StatusFail,
	entrypay.ECurrencyNotSupported:  StatusFail,
	entrypay.EClientInvalid:         StatusFail,
	entrypay.EKeyNotFound:           StatusFail,
	entrypay.ESignatureInvalid:      StatusFail,
	entrypay.ENoInterface:           StatusFail,
	entrypay.EMethodNotSupported:    StatusFail,
	entrypay.EMediaType:             StatusFail,
	entrypay.EProcessFail:           StatusFail,
	entrypay.EReportNotReady:        StatusFail,
	entrypay.EMerchantStatus:        StatusFail,
	entrypay.EAccessDenied:          StatusFail,
	entrypay.EMerchantNotRegistered: StatusFail,
	entrypay.EAmountLimit:           StatusFail,
	entrypay.ERecordNotFound:        StatusFail,
	entrypay.ERepeatRegistration:    StatusFail,
}

// StatusOf returns the status a result code carries.
func StatusOf(code entrypay.ErrorCode) string {
	if s, ok := resultStatus[code]; ok {
		return s
	}
	return StatusFail
}

// Success is the result of a call that did what was asked.
var Success = Result{ResultCode: "SUCCESS", ResultStatus: StatusSuccess, ResultMessage: "success"}

// ResultOf translates an error from the gateway into the result the API answers with.
// An internal error becomes U/UNKNOWN_EXCEPTION with a message that gives nothing away;
// the caller logs the error itself.
func ResultOf(err error) Result {
	if err == nil {
		return Success
	}
	code := entrypay.ErrorCodeOf(err)
	if code == entrypay.EInternal {
		return Result{ResultCode: string(entrypay.EUnknown), ResultStatus: StatusUnknown, ResultMessage: entrypay.ErrorMessage(err)}
	}
	return Result{ResultCode: string(code), ResultStatus: StatusOf(code), ResultMessage: entrypay.ErrorMessage(err)}
}
