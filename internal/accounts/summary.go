package accounts

import "context"

// Prompt tells a client what to show the user next, such as a reminder to
// get certified or an offer to claim.
type Prompt struct {
	Code     string
	Message  string
	PolicyID int64
}

// CertificationSummary is the state of a user's latest certification.
type CertificationSummary struct {
	ID     int64
	Status string
	Reason string
}

// BenefitCounts counts a user's subsidy offers by state.
type BenefitCounts struct {
	Offers   int
	Claimed  int
	Declined int
}

// Summary is what the sign-in answer and the profile add to a user.
type Summary struct {
	Certification *CertificationSummary
	Benefits      BenefitCounts
	Prompts       []Prompt
}

// Summarizer fills in its part of a user's summary. Each capability that
// has something to tell a signed-in user (certification, benefits)
// provides one; they run in the order given to the service.
type Summarizer interface {
	Summarize(ctx context.Context, u User, lang string, s *Summary) error
}

// SummarizerFunc adapts a function to Summarizer.
type SummarizerFunc func(ctx context.Context, u User, lang string, s *Summary) error

// Summarize implements Summarizer.
func (f SummarizerFunc) Summarize(ctx context.Context, u User, lang string, s *Summary) error {
	return f(ctx, u, lang, s)
}
