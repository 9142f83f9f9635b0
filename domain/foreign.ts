// "Is anyone foreign involved?" — a heuristic for a warning, never for an error. It looks for word
// stems of foreign countries, their peoples and cities that appear in municipal reports, and for
// words like «международный», «зарубежный», «иностранный». A miss only means a warning the clerk
// can ignore; a false alarm costs the same, so the list stays modest.

// prettier-ignore
const STEMS: readonly string[] = [
  // what makes an event international by itself
  'международн', 'межгосударствен', 'межреспубликанск', 'зарубежн', 'иностран', 'интернациональн',
  'соотечественник', 'снг', 'брикс', 'шос', 'евразийск',
  // the neighbours first: Belarus and its regions and towns the oblast works with
  'беларус', 'белорус', 'минск', 'витебск', 'могилев', 'могилевск', 'гомел', 'брест', 'гродн',
  'орш', 'полоцк', 'новополоцк', 'мстислав', 'лиозн', 'кричев', 'дубровн', 'дубровенск', 'браслав',
  'бобруйск', 'барановичи', 'пинск', 'горецк', 'шклов',
  // other countries, peoples and capitals
  'абхаз', 'сухум', 'южн осет', 'цхинвал', 'казахстан', 'казахск', 'астан', 'алмат',
  'киргиз', 'кыргыз', 'бишкек', 'узбек', 'ташкент', 'таджик', 'душанбе', 'туркмен', 'армени',
  'армянск', 'ереван', 'азербайджан', 'баку', 'молдов', 'молдав', 'приднестров', 'кишинев', 'грузи', 'тбилис',
  'монгол', 'китай', 'китае', 'китая', 'кнр', 'пекин', 'шанха', 'харбин', 'вьетнам', 'лаос', 'инди',
  'корея', 'кореи', 'корейск', 'кндр', 'япони', 'японск', 'серби', 'сербск', 'белград', 'болгари',
  'болгарск', 'черногори', 'словаки', 'словени', 'хорвати', 'чехи', 'чешск', 'венгри', 'венгерск',
  'польш', 'польск', 'литв', 'литовск', 'латви', 'латвийск', 'эстони', 'эстонск', 'финлянд',
  'финск', 'германи', 'немецк', 'франци', 'французск', 'итали', 'испани', 'испанск', 'греци',
  'греческ', 'кипр', 'турци', 'турецк', 'иран', 'ирак', 'сири', 'ливан', 'израил', 'палестин',
  'египет', 'египт', 'алжир', 'тунис', 'марокк', 'оаэ', 'эмират', 'катар', 'индонези', 'малайзи',
  'таиланд', 'пакистан', 'афганистан', 'куба', 'кубин', 'венесуэл', 'никарагуа', 'бразили',
  'аргентин', 'мексик', 'юар', 'африк', 'сша', 'америк',
];

// Stems that must match a whole word, not the start of a longer one: «инди» is India, not
// «индивидуальный»; «шос» is the organisation, not «шоссе»; «грузи» is Georgia, not «грузить».
// prettier-ignore
const WHOLE_WORDS = new Set(['инди', 'шос', 'снг', 'кнр', 'кндр', 'оаэ', 'юар', 'сша', 'баку', 'куба', 'орш', 'грузи']);
const WHOLE_WORD_FORMS: Record<string, string> = {
  инди: 'инди(я|и|ю|ей|йск[а-я]*)',
  орш: 'орш(а|и|у|е|ей|анск[а-я]*)',
  куба: 'куб(а|ы|е|у|ой)',
  грузи: 'грузи(я|и|ю|ей|н[а-я]*)',
};

function pattern(stem: string): string {
  const body = (WHOLE_WORD_FORMS[stem] ?? stem).replace(/ /g, '[а-я]*\\s+');
  return WHOLE_WORDS.has(stem) ? `${body}(?![а-я])` : body;
}

const FOREIGN = new RegExp(`(?<![а-я])(?:${STEMS.map(pattern).join('|')})`);

/** True when the text names a foreign country, city or people, or calls the event international. */
export function mentionsForeign(text: string): boolean {
  return FOREIGN.test(text.toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' '));
}
