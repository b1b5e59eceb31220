package orders

import (
	"strings"
	"time"

	"shangyun/internal/auth"
)

// Actions on an order.
const (
	ActionSubmit                 = "submit"
	ActionUploadContract         = "upload_contract"
	ActionAgreeContract          = "agree_contract"
	ActionRejectContract         = "reject_contract"
	ActionUploadCompletionReport = "upload_completion_report"
	ActionUploadInvoice          = "upload_invoice"
	ActionCancel                 = "cancel"
)

// Kinds of stage files.
const (
	FileContract         = "contract"
	FileCompletionReport = "completion_report"
	FileInvoice          = "invoice"
)

// Transition is one row of the table every order follows: who may do
// what from which status, where it leads, and which file it needs.
type Transition struct {
	Role   auth.Role
	From   string
	Action string
	To     string
	// File is the kind of stage file the action uploads, or "".
	File string
	// NoteRequired says the action needs a comment or reason.
	NoteRequired bool
}

// Table is the whole life of an order. Anything not in it is refused.
var Table = []Transition{
	{auth.RoleProvider, StatusSubmitted, ActionUploadContract, StatusContractPending, FileContract, false},
	{auth.RoleProvider, StatusContractRejected, ActionUploadContract, StatusContractPending, FileContract, false},
	{auth.RoleEnterprise, StatusContractPending, ActionAgreeContract, StatusInProgress, "", false},
	{auth.RoleEnterprise, StatusContractPending, ActionRejectContract, StatusContractRejected, "", true},
	{auth.RoleProvider, StatusInProgress, ActionUploadCompletionReport, StatusCompletionReported,
		FileCompletionReport, false},
	{auth.RoleProvider, StatusCompletionReported, ActionUploadInvoice, StatusCompleted, FileInvoice, false},
	{auth.RoleEnterprise, StatusSubmitted, ActionCancel, StatusCancelled, "", true},
	{auth.RoleEnterprise, StatusContractPending, ActionCancel, StatusCancelled, "", true},
	{auth.RoleEnterprise, StatusContractRejected, ActionCancel, StatusCancelled, "", true},
	{auth.RoleProvider, StatusSubmitted, ActionCancel, StatusCancelled, "", true},
	{auth.RoleProvider, StatusContractPending, ActionCancel, StatusCancelled, "", true},
	{auth.RoleProvider, StatusContractRejected, ActionCancel, StatusCancelled, "", true},
}

// Find returns the transition role may take with action from status.
func Find(role auth.Role, from, action string) (Transition, bool) {
	for _, t := range Table {
		if t.Role == role && t.From == from && t.Action == action {
			return t, true
		}
	}
	return Transition{}, false
}

// Allowed lists the actions role may take from status, in table order.
func Allowed(role auth.Role, status string) []string {
	out := []string{}
	for _, t := range Table {
		if t.Role == role && t.From == status {
			out = append(out, t.Action)
		}
	}
	return out
}

// FileTypes are the content types each stage file may have.
var FileTypes = map[string][]string{
	FileContract:         {"application/pdf"},
	FileCompletionReport: {"application/pdf", "image/jpeg", "image/png"},
	FileInvoice:          {"application/pdf", "image/jpeg", "image/png"},
}

// Stages are the five steps of the progress bar, in order.
var Stages = []string{StatusSubmitted, StatusContractPending, StatusInProgress,
	StatusCompletionReported, StatusCompleted}

// Stage is one step of the progress bar.
type Stage struct {
	Stage string
	// State is done, current or pending.
	State string
	At    *time.Time
}

// Event is one entry of an order's timeline.
type Event struct {
	ID           int64
	OrderID      int64
	ActorID      int64
	ActorRole    string
	Action       string
	From         string
	To           string
	Note         string
	AttachmentID int64
	At           time.Time
}

// Progress derives the progress bar from the status and the timeline:
// every stage reached is done, the status's stage is current, the rest
// pending. A rejected contract shows contract_pending as current again;
// a cancelled order keeps what it reached as done and nothing current.
func Progress(status string, events []Event) []Stage {
	reached := map[string]time.Time{}
	for _, e := range events {
		if _, ok := reached[e.To]; !ok {
			reached[e.To] = e.At
		}
	}
	current := status
	if status == StatusContractRejected {
		current = StatusContractPending
	}
	out := make([]Stage, len(Stages))
	passed := status != StatusCancelled
	for i, name := range Stages {
		st := Stage{Stage: name, State: "pending"}
		if at, ok := reached[name]; ok {
			at := at
			st.At = &at
		}
		switch {
		case name == current && status != StatusCompleted:
			st.State, passed = "current", false
		case passed || (status == StatusCancelled && st.At != nil):
			st.State = "done"
		}
		if status == StatusCompleted {
			st.State = "done"
		}
		out[i] = st
	}
	return out
}

// TableMarkdown renders Table for people: the README and the API document
// show exactly this, and a test holds them to it.
func TableMarkdown() string {
	var b strings.Builder
	b.WriteString("| role | from | action | to | file |\n| --- | --- | --- | --- | --- |\n")
	for _, t := range Table {
		file := t.File
		if file == "" {
			file = "—"
		}
		b.WriteString("| " + string(t.Role) + " | " + t.From + " | " + t.Action + " | " + t.To +
			" | " + file + " |\n")
	}
	return b.String()
}
