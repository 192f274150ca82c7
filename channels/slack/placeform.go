package slack

import (
	"context"
	"strings"

	slackapi "github.com/slack-go/slack"
)

// An advisor adds a local place or workshop (their own Wednesday workshop,
// a library's digital corner) from the Home tab: a form with the fields the
// national schema needs. The bot checks it as it checks an import and
// suggests it to learners near it.

// PlaceForm is the form's content, for the bot.
type PlaceForm struct {
	Name, Address, Postcode, Commune string
	Phone, Hours, Booking            string
	Services                         []string
	Free, Young                      bool
}

// PlaceHandler is what the form needs from the bot: the schema's service
// values (the form's choices) and the adding; the error's text is French,
// for the advisor.
type PlaceHandler interface {
	PlaceServices() []string
	AddPlace(ctx context.Context, user string, f PlaceForm) (string, error)
}

// Form of a place.
const (
	ActionHomePlace = "home_place"
	CallbackPlace   = "diagbot_add_place"
	blockPlaceName  = "p_name"
	blockPlaceAddr  = "p_address"
	blockPlaceCP    = "p_postcode"
	blockPlaceTown  = "p_commune"
	blockPlacePhone = "p_phone"
	blockPlaceHours = "p_hours"
	blockPlaceRdv   = "p_booking"
	blockPlaceServ  = "p_services"
	blockPlaceOpts  = "p_options"
)

// PlaceModal is the form to add a place.
func PlaceModal(services []string) slackapi.ModalViewRequest {
	text := func(id, hint string, max int) *slackapi.PlainTextInputBlockElement {
		e := slackapi.NewPlainTextInputBlockElement(plain(hint), id)
		e.MaxLength = max
		return e
	}
	var opts []*slackapi.OptionBlockObject
	for _, s := range services {
		if len(opts) == 100 {
			break
		}
		opts = append(opts, slackapi.NewOptionBlockObject(cut(s, 150), plain(cut(s, 75)), nil))
	}
	serv := slackapi.NewOptionsMultiSelectBlockElement(slackapi.MultiOptTypeStatic, plain("Ce que l'on y apprend"), "services", opts...)
	checks := slackapi.NewCheckboxGroupsBlockElement("options",
		slackapi.NewOptionBlockObject("free", plain("Gratuit"), nil),
		slackapi.NewOptionBlockObject("young", plain("Pour les jeunes"), plain("Le lieu accueille en particulier les 16–25 ans")))
	return slackapi.ModalViewRequest{
		Type: slackapi.VTModal, CallbackID: CallbackPlace,
		Title: plain("Ajouter un lieu"), Submit: plain("Ajouter"), Close: plain("Annuler"),
		Blocks: slackapi.Blocks{BlockSet: []slackapi.Block{
			inputBlock(blockPlaceName, "Nom du lieu ou de l'atelier", text("name", "Atelier numérique de la Mission Locale", 120), false, ""),
			inputBlock(blockPlaceAddr, "Adresse", text("address", "12 rue de la République", 200), false, ""),
			inputBlock(blockPlaceCP, "Code postal", text("postcode", "16000", 5), false, ""),
			inputBlock(blockPlaceTown, "Commune", text("commune", "Angoulême", 100), false, ""),
			inputBlock(blockPlacePhone, "Téléphone", text("phone", "05 45 00 00 00", 20), true, ""),
			inputBlock(blockPlaceHours, "Horaires", text("hours", "Mo-Fr 09:00-12:00,14:00-17:00", 200), true,
				"Au format OpenStreetMap : Mo Tu We Th Fr Sa Su, par exemple « We 14:00-17:00 » pour le mercredi après-midi."),
			inputBlock(blockPlaceRdv, "Lien de prise de rendez-vous", slackapi.NewURLTextInputBlockElement(plain("https://…"), "booking"), true, ""),
			inputBlock(blockPlaceServ, "Services", serv, false, "Au moins un : c'est ce qui relie le lieu aux compétences à travailler."),
			inputBlock(blockPlaceOpts, "Accès", checks, true, "Seuls les lieux gratuits sont proposés aux jeunes."),
		}},
	}
}

// ParsePlace reads a submitted place form.
func ParsePlace(state *slackapi.ViewState) (PlaceForm, map[string]string) {
	var f PlaceForm
	errs := map[string]string{}
	if state == nil {
		return f, map[string]string{blockPlaceName: "Le formulaire est arrivé vide : réessayez."}
	}
	get := func(block, action string) slackapi.BlockAction { return state.Values[block][action] }
	clean := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	f.Name, f.Address = clean(get(blockPlaceName, "name").Value), clean(get(blockPlaceAddr, "address").Value)
	f.Postcode, f.Commune = strings.ReplaceAll(get(blockPlaceCP, "postcode").Value, " ", ""), clean(get(blockPlaceTown, "commune").Value)
	f.Phone, f.Hours = clean(get(blockPlacePhone, "phone").Value), strings.TrimSpace(get(blockPlaceHours, "hours").Value)
	f.Booking = strings.TrimSpace(get(blockPlaceRdv, "booking").Value)
	for _, o := range get(blockPlaceServ, "services").SelectedOptions {
		f.Services = append(f.Services, o.Value)
	}
	for _, o := range get(blockPlaceOpts, "options").SelectedOptions {
		switch o.Value {
		case "free":
			f.Free = true
		case "young":
			f.Young = true
		}
	}
	for block, v := range map[string]string{blockPlaceName: f.Name, blockPlaceAddr: f.Address, blockPlaceCP: f.Postcode, blockPlaceTown: f.Commune} {
		if v == "" {
			errs[block] = "À remplir."
		}
	}
	if len(f.Services) == 0 {
		errs[blockPlaceServ] = "Choisissez au moins un service."
	}
	if len(errs) == 0 {
		errs = nil
	}
	return f, errs
}

// submitPlace handles the place form: errors in the form, or the place
// added and the advisor told in their conversation with the bot.
func (l *Listener) submitPlace(ctx context.Context, cb slackapi.InteractionCallback) any {
	ph, ok := l.h.(PlaceHandler)
	adv, err := l.isAdvisor(ctx, cb.User.ID)
	if !ok || err != nil || !adv {
		return slackapi.NewErrorsViewSubmissionResponse(map[string]string{blockPlaceName: textRefusedButton})
	}
	f, errs := ParsePlace(cb.View.State)
	if errs != nil {
		return slackapi.NewErrorsViewSubmissionResponse(errs)
	}
	text, err := ph.AddPlace(ctx, cb.User.ID, f)
	if err != nil {
		return slackapi.NewErrorsViewSubmissionResponse(map[string]string{blockPlaceName: cut(err.Error(), 300)})
	}
	l.wg.Go(func() { l.toDM(ctx, cb.User.ID, Reply{Text: text}) })
	return nil
}
