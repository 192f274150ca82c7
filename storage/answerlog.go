package storage

import "go.etcd.io/bbolt"

// EachLearnerAnswers calls fn with every learner's answers in Seq order, one
// learner at a time, in learner id order, in one read transaction: the whole
// log is read with one learner's answers in memory at a time (calibration
// streams it this way, once per pass). An error from fn stops the walk and is
// returned as is.
func (db *DB) EachLearnerAnswers(fn func(learnerID string, answers []Answer) error) error {
	var fnErr error
	err := db.view("read the answer log", func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSessions).ForEach(func(k, _ []byte) error {
			answers, err := answersOf(tx, string(k))
			if err != nil {
				return err
			}
			if len(answers) == 0 {
				return nil
			}
			if err := fn(string(k), answers); err != nil {
				fnErr = err
				return err
			}
			return nil
		})
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}
